import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createMongoEventStore, laneOf, type NewEvent } from '@waggle/event-store';
import { createProducer, createTopics } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
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
  metadata: { eventId: randomUUID(), correlationId: 'signal', causationId: 'signal', occurredAt: new Date().toISOString() },
});

describe('outbox relay instances sharing the lanes of one service', () => {
  describe('given lanes quiet so long that their next poll is many seconds away', () => {
    it(
      'publishes an append made by one instance on a lane the other holds within moments: the holder is signalled',
      { timeout: 90_000 },
      async () => {
        const service = uniqueName('relay-signal');
        await createTopics(stack.kafkaBrokers, [{ topic: service, partitions: 2 }]);
        const db = mongo.db(service);
        const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'relay-signal' });
        await producer.start();
        const published = new Map<string, number>();
        const consumer = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({
          groupId: uniqueName('signal-check'),
        });
        await consumer.connect();
        await consumer.subscribe({ topic: service, fromBeginning: true });
        await consumer.run({
          eachMessage: ({ message }) => Promise.resolve(void published.set(message.key?.toString() ?? '?', performance.now())),
        });
        const stores = [createMongoEventStore({ db, lanes: 4 }), createMongoEventStore({ db, lanes: 4 })];
        await stores[0]!.start();
        const [a, b] = stores.map((store, i) =>
          createRelayService({
            store,
            ledger: createMongoRelayLedger({ db }),
            serde: createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [testSchema] }),
            producer,
            brokers: stack.kafkaBrokers,
            serviceName: service,
            instance: `instance-${i}`,
            // no poll within the test: only a signal can make a quiet lane read again
            idlePollMs: 600_000,
            routing: { source: '/waggle/test', topicFor: () => service, fullNameFor: () => testSchema.fullName },
          }),
        );
        try {
          await a!.start();
          await b!.start();
          await waitFor(() => a!.status().some((l) => l.state === 'relaying') && b!.status().some((l) => l.state === 'relaying'), {
            timeoutMs: 30_000,
            description: 'both instances relaying lanes',
          });
          // the idle back-off doubles from 2 ms: 17 s after the lanes started, their next poll is about 16 s away
          await delay(17_000);
          const held = b!
            .status()
            .filter((l) => l.state === 'relaying')
            .map((l) => l.lane);
          const streamId = Array.from({ length: 100 }, (_, i) => `signalled-${i}`).find((s) => held.includes(laneOf(s, 4)))!;
          const began = performance.now();
          await stores[0]!.append(streamId, [counted(1)], { expectedVersion: 0 });
          a!.appended(laneOf(streamId, 4));
          await waitFor(() => published.has(streamId), { timeoutMs: 10_000, intervalMs: 10, description: 'the append on Kafka' });
          expect(published.get(streamId)! - began).toBeLessThan(3_000);
        } finally {
          await a!.stop();
          await b!.stop();
          await consumer.disconnect();
          await producer.stop();
        }
      },
    );
  });
});
