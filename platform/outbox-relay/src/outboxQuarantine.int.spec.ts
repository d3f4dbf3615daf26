import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMongoEventStore, laneOf, type NewEvent } from '@waggle/event-store';
import { createProducer, createTopics } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { freePort, runCli, uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testSchema } from '../fixtures/testSchema.ts';
import { createMongoRelayLedger } from './mongoRelayLedger.ts';
import { createRelayService } from './createRelayService.ts';
import { streamVersionHeader } from './toKafkaRecords.ts';

const stack = inject('stack');
const mongo = new MongoClient(stack.mongoUrl);
afterAll(() => mongo.close());
const env = { ...process.env, KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, MONGO_URL: stack.mongoUrl };
const waggle = (...args: string[]) => runCli(args, { env, timeoutMs: 60_000 });

const counted = (n: unknown): NewEvent => ({
  type: 'Counted',
  data: { n },
  metadata: {
    eventId: randomUUID(),
    correlationId: 'quarantine-test',
    causationId: 'quarantine-test',
    occurredAt: new Date().toISOString(),
  },
});

/** Every record of the topic as `stream@version`, read by a plain kafkajs consumer. */
const watchTopic = async (topic: string) => {
  const seen: string[] = [];
  const consumer = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('quarantine-check'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) =>
      Promise.resolve(void seen.push(`${message.key?.toString() ?? '?'}@${message.headers?.[streamVersionHeader]?.toString() ?? '?'}`)),
  });
  return { seen, stop: () => consumer.disconnect() };
};

describe('waggle outbox quarantine on the real stack', () => {
  describe('given an outbox entry the serde refuses, blocking its lane', () => {
    it(
      'is shown by a dry run that changes nothing, then quarantined with --yes: the relay steps over it and publishes later events of the lane',
      { timeout: 120_000 },
      async () => {
        const service = uniqueName('quarantine');
        await createTopics(stack.kafkaBrokers, [{ topic: service, partitions: 3 }]);
        const db = mongo.db(service);
        const store = createMongoEventStore({ db, lanes: 3 });
        await store.start();
        const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'quarantine-test' });
        await producer.start();
        const relay = createRelayService({
          store,
          ledger: createMongoRelayLedger({ db }),
          serde: createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [testSchema] }),
          producer,
          brokers: stack.kafkaBrokers,
          serviceName: service,
          routing: { source: '/waggle/test', topicFor: () => service, fullNameFor: () => testSchema.fullName },
        });
        const topic = await watchTopic(service);
        try {
          await relay.start();
          const lane = laneOf('stream-a', 3);
          const sameLane = Array.from({ length: 100 }, (_, i) => `stream-${i}`).find((s) => s !== 'stream-a' && laneOf(s, 3) === lane)!;
          await store.append('stream-a', [counted(1)], { expectedVersion: 0 });
          // appended behind the service's validation: an int field holding a string, which the Avro serde refuses
          const bad = await store.append('stream-a', [counted('not a number')], { expectedVersion: 1 });
          await store.append(sameLane, [counted(1)], { expectedVersion: 0 });
          relay.wake();
          await waitFor(() => relay.status().find((l) => l.lane === lane)?.lastError !== undefined, {
            timeoutMs: 30_000,
            description: 'the lane blocked on the refused entry',
          });
          await waitFor(() => topic.seen.includes('stream-a@1'), { timeoutMs: 30_000, description: 'the entry before it published' });
          const blocked = (await relay.overview()).lanes[lane];
          expect(blocked).toMatchObject({ state: 'relaying', cursor: bad.position.seq - 1, backlog: 2 });
          expect(blocked?.waiting).toBeDefined();

          // waggle status, asking this relay's GET /status (the service's answer: its relay's overview of every lane)
          const server = createServer((_, response) => {
            void relay.overview().then((outbox) => response.end(JSON.stringify({ service: 'bookings', outbox, consumers: [] })));
          });
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          const status = await runCli(['status'], {
            env: {
              ...env,
              BOOKINGS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
              FLIGHTS_URL: `http://127.0.0.1:${await freePort()}`,
              FLIGHT_SEARCH_URL: `http://127.0.0.1:${await freePort()}`,
              CUSTOMER_BOOKINGS_URL: `http://127.0.0.1:${await freePort()}`,
            },
          });
          server.close();
          expect(status.code).toBe(1);
          expect(status.stdout).toMatch(
            new RegExp(
              `^bookings +outbox lane ${lane} relaying @ ${relay.instance} \\(answered\\) +2 +.*${blocked?.waiting?.slice(0, 20) ?? '?'}`,
              'm',
            ),
          );
          for (const other of [0, 1, 2].filter((l) => l !== lane))
            expect(status.stdout).toMatch(new RegExp(`^bookings +outbox lane ${other} relaying .* 0\\s*$`, 'm'));
          expect(status.stderr).toMatch(new RegExp(`bookings outbox lane ${lane}: `));

          // bad usage: exit 2, nothing recorded
          expect((await waggle('outbox', 'quarantine', service, String(lane))).code).toBe(2);
          expect((await waggle('outbox', 'quarantine', service, 'x', String(bad.position.seq))).code).toBe(2);
          expect((await waggle('outbox', 'quarantine', service, String(lane), String(bad.position.seq), '--yes')).code).toBe(2);
          const published = await waggle('outbox', 'quarantine', service, String(lane), String(bad.position.seq - 1));
          expect(published.code).toBe(2);
          expect(published.stderr).toMatch(/already published/);

          const dryRun = await waggle('outbox', 'quarantine', service, String(lane), String(bad.position.seq));
          expect(dryRun.code).toBe(0);
          expect(dryRun.stdout).toMatch(new RegExp(`entry ${bad.position.seq}: stream stream-a, version 2, batch ${bad.batchId}: Counted`));
          expect(dryRun.stdout).toMatch(/dry run: nothing changed/);
          expect(await db.collection('outbox_quarantine').countDocuments()).toBe(0);
          await new Promise((resolve) => setTimeout(resolve, 500));
          expect(topic.seen).not.toContain(`${sameLane}@1`);

          const done = await waggle(
            'outbox',
            'quarantine',
            service,
            String(lane),
            String(bad.position.seq),
            '--reason',
            'n is not an int: refused by its schema',
            '--yes',
          );
          expect(done.code).toBe(0);
          expect(done.stdout).toMatch(/quarantined/);
          await waitFor(() => topic.seen.includes(`${sameLane}@1`), {
            timeoutMs: 30_000,
            description: 'the later event of the lane on Kafka',
          });
          expect(topic.seen).not.toContain('stream-a@2');
          expect(await db.collection('outbox_quarantine').findOne({ lane, seq: bad.position.seq })).toMatchObject({
            type: 'OutboxEntryQuarantined',
            reason: 'n is not an int: refused by its schema',
            entry: { streamId: 'stream-a', batchId: bad.batchId, fromVersion: 2, toVersion: 2, types: ['Counted'] },
          });
          await waitFor(async () => (await relay.overview()).lanes[lane]?.backlog === 0, { description: 'the lane caught up' });
          expect((await relay.overview()).lanes[lane]?.waiting).toBeUndefined();
          // asked again: says it is done, changes nothing
          const again = await waggle('outbox', 'quarantine', service, String(lane), String(bad.position.seq), '--reason', 'twice', '--yes');
          expect(again.code).toBe(0);
          expect(again.stdout).toMatch(/was quarantined at .* n is not an int/);
        } finally {
          await topic.stop();
          await relay.stop();
          await producer.stop();
        }
      },
    );
  });
});
