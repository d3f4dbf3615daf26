import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import { createLogger } from '@waggle/observability';
import type { ReplayStatus } from '@waggle/read-model';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFlightsTopic } from '../fixtures/flightsTopic.ts';
import { loadConfig } from './config.ts';
import { startFlightSearch, type FlightSearchService } from './flightSearchService.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const storeDb = uniqueName('flights-store');
const flights = createFlightsTopic({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topic });
const admin = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
const logger = createLogger({ service: 'flight-search-from-store-test', level: 'silent' });
const date = '2026-12-01';
const flightIds = Array.from({ length: 12 }, (_, i) => `LH${400 + i}-${date}`);

let service: FlightSearchService;
let store: OpenedEventStore;

const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const replayStatus = async (): Promise<ReplayStatus> => (await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus;
const seatsLeft = async (): Promise<[string, unknown][]> =>
  Promise.all(flightIds.map(async (id) => [id, (await call('GET', `/api/v1/flights/${id}`)).body['seatsLeft']] as [string, unknown]));

beforeAll(async () => {
  store = await openMongoEventStore({ url: stack.mongoUrl, database: storeDb });
  await Promise.all([flights.start(), admin.connect()]);
  service = await startFlightSearch(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('flight-search-from-store'),
      PORT: '0',
      GROUP_ID: uniqueName('flight-search-from-store'),
      FLIGHTS_TOPIC: topic,
      FLIGHTS_STORE_DB: storeDb,
    }),
    logger,
  );
  await flights.produce(
    flightIds.map((id, i) => flights.scheduled(id, 'FRA', i % 2 === 0 ? 'JFK' : 'LHR', date, 500)),
    store.store,
  );
  for (let round = 0; round < 5; round++)
    await flights.produce(
      flightIds.flatMap((id) => [flights.held(id, 3), flights.released(id, 1)]),
      store.store,
    );
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([flights.stop(), admin.disconnect(), store?.close()]);
});

describe('flight-search whose topic no longer holds its first records', () => {
  it('refuses a rebuild from the topic, naming what retention deleted, and rebuilds from the event store to the same answers', async () => {
    // version 1 was built from the whole topic: what a rebuild must give
    const oracle = await flights.seatsLeftFromTopic();
    await waitFor(async () => (await seatsLeft()).every(([id, left]) => left === oracle.get(id)), {
      description: 'version 1 to reflect the whole topic',
      timeoutMs: 60_000,
    });
    const expected = await seatsLeft();

    // what retention does: every partition now begins past its first records
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: offsets.map(({ partition, high }) => ({ partition, offset: String(Math.floor(Number(high) / 2)) })),
    });

    const refused = await call('POST', '/api/v1/replays', {});
    expect(refused.status).toBe(400);
    expect(String(refused.body['detail'])).toMatch(/no longer hold their first records .*begins at offset \d+.*--from-store flights/);

    const begun = await call('POST', '/api/v1/replays', { fromStore: 'flights', requireEqual: true });
    expect(begun.status).toBe(202);
    await waitFor(async () => (await replayStatus()).pointer.version === 2, { description: 'the switch to version 2', timeoutMs: 90_000 });

    const v2 = (await replayStatus()).versions.find((v) => v.version === 2);
    expect(v2).toMatchObject({ source: { kind: 'store', context: 'flights' }, state: 'serving' });
    expect(v2?.storeFedAt).toEqual(expect.any(String));
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    expect(v2?.verification?.collections.map((c) => [c.collection, c.candidate])).toEqual([
      ['flights', 12],
      ['route_days', 2],
    ]);
    expect(await seatsLeft()).toEqual(expected);
  }, 180_000);
});
