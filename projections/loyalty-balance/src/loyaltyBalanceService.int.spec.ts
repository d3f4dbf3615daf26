import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, readDeadLetterHeaders, readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { ReplayStatus } from '@waggle/read-model';
import { loadSchemas, loyaltyFullNames, type LoyaltyEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startLoyaltyBalance, type LoyaltyBalanceService } from './loyaltyBalanceService.ts';

const stack = inject('stack');
const loyaltyTopic = uniqueName('loyalty-events');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'loyalty-balance-test' });
const versions = new Map<string, number>();
let service: LoyaltyBalanceService;

type Sent = { readonly topic: string; readonly key: string; readonly value: Buffer; readonly headers: Record<string, string> };

/** A loyalty event as the loyalty relay publishes it: keyed by member, with the member stream's next version. */
const recordOf = async (event: LoyaltyEvent): Promise<Sent> => {
  const key = event.data.memberId;
  const version = (versions.get(key) ?? 0) + 1;
  versions.set(key, version);
  const id = randomUUID();
  const fullName = loyaltyFullNames[event.type];
  return {
    topic: loyaltyTopic,
    key,
    value: await serde.encode(loyaltyTopic, fullName, event.data),
    headers: {
      ...toEventHeaders({
        id,
        type: fullName,
        source: '/waggle/loyalty',
        time: new Date().toISOString(),
        subject: key,
        correlationId: id,
        causationId: id,
      }),
      [streamVersionHeader]: String(version),
    },
  };
};
const send = (records: readonly Sent[]) => producer.send([...records]);

const earned = (memberId: string, bookingId: string, points: number): LoyaltyEvent => ({
  type: 'PointsEarned',
  data: { memberId, bookingId, points, reason: `booking ${bookingId} confirmed` },
});
const reversed = (memberId: string, bookingId: string, points: number): LoyaltyEvent => ({
  type: 'PointsReversed',
  data: { memberId, bookingId, points, reason: 'booking cancelled: changed plans' },
});

type Member = {
  memberId: string;
  balance: number;
  pointsEarned: number;
  pointsReversed: number;
  entries: { kind: string; bookingId: string; points: number }[];
};
const get = async (path: string) => {
  const response = await fetch(`${service.url}${path}`);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};
const member = async (memberId: string) => (await get(`/api/v1/members/${memberId}`)).body as unknown as Member;
const waitForMember = (memberId: string, expected: (m: Member) => boolean, description: string) => {
  let seen: unknown;
  return waitFor(
    async () => {
      const response = await get(`/api/v1/members/${memberId}`);
      seen = response.body;
      return response.status === 200 && expected(response.body as unknown as Member) && (response.body as unknown as Member);
    },
    { description: `${memberId} ${description}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(seen)}`, { cause: error });
  });
};

const ada = uniqueName('member-ada');
const bob = uniqueName('member-bob');

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic: loyaltyTopic, partitions: 3 }]);
  await producer.start();
  service = await startLoyaltyBalance(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('loyalty-balance'),
      PORT: '0',
      GROUP_ID: uniqueName('loyalty-balance'),
      LOYALTY_TOPIC: loyaltyTopic,
    }),
    createLogger({ service: 'loyalty-balance-test', level: 'silent' }),
  );
});

afterAll(async () => {
  await service.stop();
  await producer.stop();
});

describe('loyalty-balance on the real stack', () => {
  let script: Sent[] = [];

  it('keeps each member’s balance and history after a scripted sequence', async () => {
    script = await Promise.all(
      [
        earned(ada, 'b-1', 500),
        earned(bob, 'b-2', 1500),
        earned(ada, 'b-3', 1000),
        reversed(ada, 'b-1', 500),
        earned(ada, 'b-4', 250),
        reversed(bob, 'b-2', 1500),
      ].map(recordOf),
    );
    await send(script);
    const a = await waitForMember(ada, (m) => m.entries.length === 4, 'to have 4 entries');
    expect(a).toMatchObject({ memberId: ada, pointsEarned: 1750, pointsReversed: 500, balance: 1250 });
    expect(a.entries.map((e) => [e.kind, e.bookingId, e.points])).toEqual([
      ['earned', 'b-4', 250],
      ['reversed', 'b-1', 500],
      ['earned', 'b-3', 1000],
      ['earned', 'b-1', 500],
    ]);
    expect(await waitForMember(bob, (m) => m.entries.length === 2, 'to have 2 entries')).toMatchObject({ balance: 0, pointsEarned: 1500 });
  });

  it('gives the same figures when every record is delivered twice', async () => {
    const before = [await member(ada), await member(bob)];
    await send(script);
    // a later event of each member: once it shows, the redelivered records before it were handled
    await send(await Promise.all([earned(ada, 'marker-a', 1), earned(bob, 'marker-b', 1)].map(recordOf)));
    const a = await waitForMember(ada, (m) => m.entries[0]?.bookingId === 'marker-a', 'to see its marker');
    const b = await waitForMember(bob, (m) => m.entries[0]?.bookingId === 'marker-b', 'to see its marker');
    expect(a).toMatchObject({ balance: 1251, pointsEarned: 1751, pointsReversed: 500 });
    expect(a.entries.slice(1)).toEqual(before[0]?.entries);
    expect(b).toMatchObject({ balance: 1, pointsEarned: 1501, pointsReversed: 1500 });
    expect(b.entries.slice(1)).toEqual(before[1]?.entries);
  });

  it('dead-letters a poison record with its bytes and keeps the partition flowing', async () => {
    const poison = Buffer.from('not avro at all');
    const poisonKey = uniqueName('poison');
    await producer.send([{ topic: loyaltyTopic, key: poisonKey, value: poison, headers: {} }]);
    await send(await Promise.all([earned(ada, 'after-poison', 10)].map(recordOf)));
    await waitForMember(ada, (m) => m.entries[0]?.bookingId === 'after-poison', 'to see the event after the poison record');
    const dead = await waitFor(
      async () => {
        const records = await readTopicToEnd(stack.kafkaBrokers, `${loyaltyTopic}.dlq`);
        return records.find((r) => r.key?.toString() === poisonKey);
      },
      { description: 'the poison record on the dead-letter topic' },
    );
    expect(dead.value).toEqual(poison);
    expect(readDeadLetterHeaders(dead.headers)).toMatchObject({
      originalTopic: loyaltyTopic,
      errorClass: expect.stringMatching(/Undecodable/) as unknown,
    });
  });

  it('answers 404 with problem details for an unknown member, and serves its OpenAPI document', async () => {
    const unknown = await get('/api/v1/members/nobody-at-all');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404, detail: expect.stringContaining('nobody-at-all') as unknown });
    const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/v1/members/{memberId}');
  });

  it('gives the same figures when rebuilt from the topic, and switches with both versions equal', async () => {
    const before = [await member(ada), await member(bob)];
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
    expect((await call('POST', '/api/v1/replays', { requireEqual: true })).status).toBe(202);
    await waitFor(async () => ((await call('GET', '/api/v1/replays')).body as ReplayStatus).pointer.version === 2, {
      description: 'the switch to version 2',
      timeoutMs: 60_000,
    });
    const v2 = ((await call('GET', '/api/v1/replays')).body as ReplayStatus).versions.find((v) => v.version === 2);
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    expect([await member(ada), await member(bob)]).toEqual(before);
  }, 90_000);
});
