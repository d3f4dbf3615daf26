import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createMongoEventStore, type NewEvent } from '@waggle/event-store';
import { createTopics } from '@waggle/kafka-bus';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { streamVersionHeader } from './toKafkaRecords.ts';

const stack = inject('stack');
const childScript = fileURLToPath(new URL('../fixtures/relayChild.ts', import.meta.url));
const children = new Set<ChildProcess>();
const mongo = new MongoClient(stack.mongoUrl);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await mongo.close();
});

const startRelay = async (env: Record<string, string>): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('relay-child ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`relay child exited with ${code} before it was ready`)));
  });
  return child;
};

const kill = async (child: ChildProcess): Promise<void> => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
};

const event = (n: number): NewEvent => ({
  type: 'Counted',
  data: { n },
  metadata: { eventId: randomUUID(), correlationId: 'crash-test', causationId: 'crash-test', occurredAt: new Date().toISOString() },
});

/** Consumes the topic and applies each stream in order exactly once: a version above current + 1 is an order violation. */
const startIdempotentConsumer = async (topic: string) => {
  const applied = new Map<string, number>();
  const violations: string[] = [];
  let deliveries = 0;
  const consumer = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('crash-check'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      deliveries += 1;
      const stream = message.key?.toString() ?? '?';
      const version = Number(message.headers?.[streamVersionHeader]?.toString());
      const current = applied.get(stream) ?? 0;
      if (version === current + 1) applied.set(stream, version);
      else if (version > current + 1) violations.push(`${stream}: got v${version} after v${current}`);
      return Promise.resolve();
    },
  });
  return { applied, violations, deliveries: () => deliveries, stop: () => consumer.disconnect() };
};

describe('outbox relay on the real stack', () => {
  const setup = async (streams: number) => {
    const name = uniqueName('relay');
    const env = { RELAY_DB: name, RELAY_TOPIC: name, RELAY_SERVICE: name };
    await createTopics(stack.kafkaBrokers, [{ topic: name, partitions: 3 }]);
    const store = createMongoEventStore({ db: mongo.db(name), lanes: 3 });
    await store.start();
    const versions = new Map<string, number>(Array.from({ length: streams }, (_, i) => [`stream-${i}`, 0]));
    const appendRound = async (eventsPerStream: number) => {
      await Promise.all(
        [...versions].map(async ([stream, version]) => {
          const batch = Array.from({ length: eventsPerStream }, (_, i) => event(version + i + 1));
          await store.append(stream, batch, { expectedVersion: version });
          versions.set(stream, version + eventsPerStream);
        }),
      );
    };
    return { env, topic: name, appendRound, versions };
  };

  describe('given the relay is SIGKILLed between append and publish, again and again', () => {
    it(
      'publishes every appended event after restarts, in stream order, and an idempotent consumer applies each once',
      { timeout: 180_000 },
      async () => {
        const { env, topic, appendRound, versions } = await setup(12);
        const consumer = await startIdempotentConsumer(topic);
        let relay = await startRelay(env);
        for (let round = 0; round < 4; round++) {
          await appendRound(1);
          await appendRound(3);
          await kill(relay);
          // appended while no relay runs: must be published by the next one
          await appendRound(2);
          relay = await startRelay(env);
        }
        await appendRound(1);
        const total = [...versions.values()].reduce((a, b) => a + b, 0);
        await waitFor(() => [...versions].every(([s, v]) => consumer.applied.get(s) === v), {
          timeoutMs: 90_000,
          description: `all ${total} events applied`,
        });
        await consumer.stop();
        await kill(relay);
        expect(consumer.violations).toEqual([]);
        expect([...consumer.applied.values()].reduce((a, b) => a + b, 0)).toBe(total);
        expect(consumer.deliveries()).toBeGreaterThanOrEqual(total);
      },
    );
  });

  describe('given two relay instances of one service', () => {
    it('shares the lanes between them, keeps stream order and loses nothing when one dies', { timeout: 180_000 }, async () => {
      const { env, topic, appendRound, versions } = await setup(9);
      const consumer = await startIdempotentConsumer(topic);
      const first = await startRelay(env);
      const second = await startRelay(env);
      for (let round = 0; round < 5; round++) await appendRound(2);
      await kill(first);
      for (let round = 0; round < 5; round++) await appendRound(2);
      await waitFor(() => [...versions].every(([s, v]) => consumer.applied.get(s) === v), {
        timeoutMs: 90_000,
        description: 'all events applied',
      });
      await consumer.stop();
      await kill(second);
      expect(consumer.violations).toEqual([]);
    });
  });
});
