import { randomUUID } from 'node:crypto';
import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { ReplayStatus } from '@waggle/read-model';
import { loadSchemas, loyaltyFullNames, type LoyaltyEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startLoyaltyBalance, type LoyaltyBalanceService } from './loyaltyBalanceService.ts';

const stack = inject('stack');
const topic = uniqueName('loyalty-events');
const storeDb = uniqueName('loyalty-store');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'loyalty-balance-from-store-test' });
const admin = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
const members = Array.from({ length: 6 }, (_, i) => uniqueName(`member-${i}`));
let service: LoyaltyBalanceService;
let store: OpenedEventStore;

/** A member's events as the loyalty service writes them: appended to its store, then relayed with the same ids and versions. */
const record = async (memberId: string, events: readonly LoyaltyEvent[]): Promise<void> => {
  const base = (await store.store.readStream(memberId)).version;
  const stamped = events.map((event, i) => ({ event, version: base + i + 1, eventId: randomUUID(), time: new Date().toISOString() }));
  await store.store.append(
    memberId,
    stamped.map((s) => ({
      type: s.event.type,
      data: s.event.data,
      metadata: { eventId: s.eventId, correlationId: s.eventId, causationId: s.eventId, occurredAt: s.time },
    })),
    { expectedVersion: base },
  );
  await producer.send(
    await Promise.all(
      stamped.map(async (s) => {
        const fullName = loyaltyFullNames[s.event.type];
        return {
          topic,
          key: memberId,
          value: await serde.encode(topic, fullName, s.event.data),
          headers: {
            ...toEventHeaders({
              id: s.eventId,
              type: fullName,
              source: '/waggle/loyalty',
              time: s.time,
              subject: memberId,
              correlationId: s.eventId,
              causationId: s.eventId,
            }),
            [streamVersionHeader]: String(s.version),
          },
        };
      }),
    ),
  );
};

const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const balances = async () => Promise.all(members.map(async (m) => (await call('GET', `/api/v1/members/${m}`)).body));

beforeAll(async () => {
  store = await openMongoEventStore({ url: stack.mongoUrl, database: storeDb });
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 3 }]);
  await Promise.all([producer.start(), admin.connect()]);
  service = await startLoyaltyBalance(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('loyalty-balance-from-store'),
      PORT: '0',
      GROUP_ID: uniqueName('loyalty-balance-from-store'),
      LOYALTY_TOPIC: topic,
      LOYALTY_STORE_DB: storeDb,
    }),
    createLogger({ service: 'loyalty-balance-from-store-test', level: 'silent' }),
  );
  for (const [i, memberId] of members.entries()) {
    const earned = (bookingId: string, points: number): LoyaltyEvent => ({
      type: 'PointsEarned',
      data: { memberId, bookingId, points, reason: 'confirmed' },
    });
    await record(memberId, [earned(`b-${i}-1`, 500), earned(`b-${i}-2`, 1000 * (i + 1))]);
    await record(memberId, [{ type: 'PointsReversed', data: { memberId, bookingId: `b-${i}-1`, points: 500, reason: 'cancelled' } }]);
  }
});

afterAll(async () => {
  await service?.stop();
  await Promise.all([producer.stop(), admin.disconnect(), store?.close()]);
});

describe('loyalty-balance whose topic no longer holds its first records', () => {
  it('refuses a rebuild from the topic and rebuilds from the loyalty event store to the same balances', async () => {
    await waitFor(async () => (await balances()).every((b, i) => b['balance'] === 1000 * (i + 1)), {
      description: 'version 1 to reflect the whole topic',
    });
    const expected = await balances();

    // what retention does: every partition now begins past its first records
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: offsets.map(({ partition, high }) => ({ partition, offset: String(Math.ceil(Number(high) / 2)) })),
    });
    const refused = await call('POST', '/api/v1/replays', {});
    expect(refused.status).toBe(400);
    expect(String(refused.body['detail'])).toMatch(/--from-store loyalty/);

    expect((await call('POST', '/api/v1/replays', { fromStore: 'loyalty', requireEqual: true })).status).toBe(202);
    await waitFor(async () => ((await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus).pointer.version === 2, {
      description: 'the switch to version 2',
      timeoutMs: 90_000,
    });
    const v2 = ((await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus).versions.find((v) => v.version === 2);
    expect(v2).toMatchObject({ source: { kind: 'store', context: 'loyalty' }, verification: { equal: true } });
    expect(await balances()).toEqual(expected);
  }, 180_000);
});
