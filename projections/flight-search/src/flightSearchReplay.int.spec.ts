import type { ReplayStatus } from '@waggle/read-model';
import { createLogger } from '@waggle/observability';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFlightsTopic } from '../fixtures/flightsTopic.ts';
import { loadConfig } from './config.ts';
import { startFlightSearch, type FlightSearchService } from './flightSearchService.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const flights = createFlightsTopic({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topic });
const logger = createLogger({ service: 'flight-search-replay-test', level: 'silent' });
const routes = [
  { origin: 'FRA', destination: 'JFK' },
  { origin: 'MUC', destination: 'LHR' },
] as const;
const date = '2026-12-01';
const flightIds = routes.flatMap(({ origin, destination }) => Array.from({ length: 10 }, (_, i) => `${origin}${destination}${i}-${date}`));

let service: FlightSearchService;

const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const replayStatus = async (): Promise<ReplayStatus> => (await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus;
type Flight = { flightId: string; seatsLeft: number };
const served = async (): Promise<Map<string, number>> => {
  const seen = new Map<string, number>();
  for (const { origin, destination } of routes) {
    const { status, body } = await call('GET', `/api/v1/flights?origin=${origin}&destination=${destination}&date=${date}&limit=100`);
    if (status !== 200) throw new Error(`search answered ${status}: ${JSON.stringify(body)}`);
    for (const flight of body['items'] as Flight[]) seen.set(flight.flightId, flight.seatsLeft);
  }
  return seen;
};
const holdsOnEveryFlight = (rounds: number) =>
  flightIds.flatMap((flightId) => Array.from({ length: rounds }, () => flights.held(flightId, 1)));

beforeAll(async () => {
  await flights.start();
  service = await startFlightSearch(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('flight-search-replay'),
      PORT: '0',
      GROUP_ID: uniqueName('flight-search-replay'),
      FLIGHTS_TOPIC: topic,
    }),
    logger,
  );
  await flights.produce(
    routes.flatMap(({ origin, destination }, r) =>
      flightIds.slice(r * 10, r * 10 + 10).map((id) => flights.scheduled(id, origin, destination, date)),
    ),
  );
  await flights.produce(holdsOnEveryFlight(20));
  await waitFor(async () => [...(await served()).values()].every((left) => left === 1_000_000 - 20) && (await served()).size === 20, {
    description: 'version 1 to reflect the first holds',
    timeoutMs: 60_000,
  });
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await flights.stop();
});

describe('flight-search rebuilt while bookings go on', () => {
  it('builds version 2 beside version 1, switches once caught up with both equal at the same offsets, and matches the topic', async () => {
    let loading = true;
    const load = (async () => {
      while (loading) {
        await flights.produce([...holdsOnEveryFlight(1), flights.released(flightIds[0]!, 1)]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const answers: { status: number; count: number }[] = [];
    let querying = true;
    const queries = (async () => {
      while (querying) {
        const { status, body } = await call('GET', `/api/v1/flights?origin=FRA&destination=JFK&date=${date}&limit=100`);
        answers.push({ status, count: Array.isArray(body['items']) ? body['items'].length : -1 });
      }
    })();

    const begun = await call('POST', '/api/v1/replays', {});
    expect(begun.status).toBe(202);
    expect(begun.body['version']).toBe(2);
    const again = await call('POST', '/api/v1/replays', {});
    expect(again.status).toBe(409);
    expect(String(again.body['detail'])).toContain('already building as version 2');

    await waitFor(async () => (await replayStatus()).pointer.version === 2, { description: 'the switch to version 2', timeoutMs: 90_000 });
    loading = false;
    await load;

    const status = await replayStatus();
    const [v1, v2] = status.versions;
    expect(v1).toMatchObject({ version: 1, state: 'previous', serving: false });
    expect(v2).toMatchObject({ version: 2, state: 'serving', serving: true });
    expect(v2?.groupId).toMatch(/\.v2$/);
    const report = v2?.verification;
    expect(report?.collections.flatMap((c) => c.examples)).toEqual([]);
    expect(report).toMatchObject({ servingVersion: 1, candidateVersion: 2, sameOffsets: true, equal: true });
    expect(report?.collections.find((c) => c.collection === 'flights')).toMatchObject({ serving: 20, candidate: 20, differingParts: 0 });
    expect(report?.offsets.every((o) => o.offset === o.candidate)).toBe(true);

    // the serving version, after the load: every hold once, as the topic says
    const oracle = await flights.seatsLeftFromTopic();
    await waitFor(async () => JSON.stringify([...(await served())].sort()) === JSON.stringify([...oracle].sort()), {
      description: 'version 2 to answer what the topic says',
      timeoutMs: 60_000,
    });
    querying = false;
    await queries;
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.status !== 200 || a.count !== 10)).toEqual([]);

    // version 1 is kept up meanwhile (held for the comparison, its partitions resume after their retry backoff)
    const rolledBack = await call('POST', '/api/v1/replays/rollback');
    expect(rolledBack.body).toEqual({ from: 2, to: 1 });
    expect((await replayStatus()).pointer.version).toBe(1);
    await waitFor(async () => JSON.stringify([...(await served())].sort()) === JSON.stringify([...oracle].sort()), {
      description: 'version 1, served again, to answer what the topic says',
      timeoutMs: 30_000,
    });
  }, 180_000);
});
