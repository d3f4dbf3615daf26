import { randomUUID } from 'node:crypto';
import { createMongoEventStore, laneOf, type EventStore, type NewEvent } from '@waggle/event-store';
import { createProducer, createTopics, type Producer } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { createTcpProxy, uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testSchema } from '../fixtures/testSchema.ts';
import { createRelayService } from './createRelayService.ts';
import { createMongoRelayLedger } from './mongoRelayLedger.ts';

const stack = inject('stack');
const mongo = new MongoClient(stack.mongoUrl);
afterAll(() => mongo.close());

const counted = (n: number): NewEvent => ({
  type: 'Counted',
  data: { n },
  metadata: { eventId: randomUUID(), correlationId: 'start-retry', causationId: 'start-retry', occurredAt: new Date().toISOString() },
});

const relayOn = (service: string, db: Db, store: EventStore, producer: Producer, instance: string) =>
  createRelayService({
    store,
    ledger: createMongoRelayLedger({ db }),
    serde: createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [testSchema] }),
    producer,
    brokers: stack.kafkaBrokers,
    serviceName: service,
    instance,
    routing: { source: '/waggle/test', topicFor: () => service, fullNameFor: () => testSchema.fullName },
  });

describe('outbox relay lanes whose start fails', () => {
  describe('given an instance that cannot reach Mongo when a rebalance hands it lanes', () => {
    it(
      'shows those lanes as starting with the reason in its status, retries, and relays them once Mongo answers',
      { timeout: 120_000 },
      async () => {
        const service = uniqueName('relay-start');
        await createTopics(stack.kafkaBrokers, [{ topic: service, partitions: 3 }]);
        const target = new URL(stack.mongoUrl.replace(/^mongodb:/, 'http:'));
        const proxy = createTcpProxy({ target: { host: target.hostname, port: Number(target.port) } });
        await proxy.start();
        const proxied = new MongoClient(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true`, { serverSelectionTimeoutMS: 1_000 });
        const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'start-retry' });
        await producer.start();
        const seen: string[] = [];
        const consumer = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({
          groupId: uniqueName('start-retry-check'),
          maxWaitTimeInMs: 100,
        });
        await consumer.connect();
        await consumer.subscribe({ topic: service, fromBeginning: true });
        await consumer.run({ eachMessage: ({ message }) => Promise.resolve(void seen.push(message.key?.toString() ?? '?')) });
        const storeA = createMongoEventStore({ db: proxied.db(service), lanes: 3 });
        await storeA.start();
        const storeB = createMongoEventStore({ db: mongo.db(service), lanes: 3 });
        const a = relayOn(service, proxied.db(service), storeA, producer, 'instance-a');
        const b = relayOn(service, mongo.db(service), storeB, producer, 'instance-b');
        try {
          await a.start();
          await waitFor(() => a.status().filter((l) => l.state === 'relaying').length === 3, {
            timeoutMs: 30_000,
            description: 'a relaying 3 lanes',
          });
          await proxy.cut();
          await b.start();
          // the rebalance gives a some lanes again, which it cannot claim
          await waitFor(
            () => a.status().some((l) => l.state === 'starting' && l.lastError?.startsWith('start failed: retrying') === true),
            {
              timeoutMs: 60_000,
              description: 'a lane of a failing to start',
            },
          );
          const failing = a.status().find((l) => l.state === 'starting')!.lane;
          const overview = await a.overview();
          expect(overview.lanes[failing]).toMatchObject({ state: 'starting', holder: 'instance-a' });
          expect(overview.lanes[failing]?.waiting).toMatch(/^start failed: retrying: /);
          expect(overview.error).toBeDefined();

          const stream = Array.from({ length: 100 }, (_, i) => `stream-${i}`).find((s) => laneOf(s, 3) === failing)!;
          await storeB.append(stream, [counted(1)], { expectedVersion: 0 });
          await proxy.restore();
          await waitFor(() => seen.includes(stream), {
            timeoutMs: 60_000,
            description: 'the event of the lane published once Mongo answers',
          });
          expect(a.status().find((l) => l.lane === failing)).toMatchObject({ state: 'relaying' });
          expect((await a.overview()).lanes[failing]?.waiting).toBeUndefined();
        } finally {
          await proxy.restore();
          await consumer.disconnect();
          await a.stop();
          await b.stop();
          await producer.stop();
          await proxied.close();
          await proxy.stop();
        }
      },
    );
  });
});
