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

const startRelay = async (env: Record<string, string>): Promise<ChildProcess & { instance?: string }> => {
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
  const instance = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const ready = /relay-child ready (\S+)/.exec(chunk.toString());
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`relay child exited with ${code} before it was ready`)));
  });
  return Object.assign(child, { instance });
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

/** A record as the consumer saw it, with the instance and lane epoch that published it (tagged by the fixture). */
type Delivery = { partition: number; stream: string; version: number; instance: string; lane: number; epoch: number };

/** Consumes the topic and applies each stream in order exactly once: a version above current + 1 is an order violation. */
const startIdempotentConsumer = async (topic: string) => {
  const applied = new Map<string, number>();
  const violations: string[] = [];
  const log: Delivery[] = [];
  let deliveries = 0;
  const consumer = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('crash-check'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      deliveries += 1;
      const stream = message.key?.toString() ?? '?';
      const version = Number(message.headers?.[streamVersionHeader]?.toString());
      const tag = (name: string): string => message.headers?.[name]?.toString() ?? '?';
      log.push({
        partition,
        stream,
        version,
        instance: tag('test-relay-instance'),
        lane: Number(tag('test-relay-lane')),
        epoch: Number(tag('test-relay-epoch')),
      });
      const current = applied.get(stream) ?? 0;
      if (version === current + 1) applied.set(stream, version);
      else if (version > current + 1) violations.push(`${stream}: got v${version} after v${current}`);
      return Promise.resolve();
    },
  });
  return { applied, violations, log, deliveries: () => deliveries, stop: () => consumer.disconnect() };
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

  describe('given two relay instances, one of them paused (SIGSTOP) past its session while appends go on', () => {
    it(
      'hands the paused instance’s lanes over: nothing is lost, stream order is kept for an idempotent consumer',
      { timeout: 180_000 },
      async () => {
        const { env, topic, appendRound, versions } = await setup(12);
        const consumer = await startIdempotentConsumer(topic);
        const first = await startRelay(env);
        const second = await startRelay(env);
        let appending = true;
        const appends = (async () => {
          while (appending) {
            await appendRound(1);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })();
        await waitFor(() => new Set(consumer.log.map((d) => d.instance)).size === 2, {
          timeoutMs: 30_000,
          description: 'both instances publishing',
        });
        first.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        first.kill('SIGCONT');
        await new Promise((resolve) => setTimeout(resolve, 8_000));
        appending = false;
        await appends;
        await waitFor(() => [...versions].every(([s, v]) => consumer.applied.get(s) === v), {
          timeoutMs: 90_000,
          description: 'all events applied',
        });
        await consumer.stop();
        await kill(first);
        await kill(second);

        expect(consumer.violations).toEqual([]);
        // the paused instance published before it was paused, and the other took its lanes over meanwhile
        const frozenLanes = new Set(consumer.log.filter((d) => d.instance === first.instance).map((d) => d.lane));
        expect(frozenLanes.size).toBeGreaterThan(0);
        expect(consumer.log.some((d) => d.instance === second.instance && frozenLanes.has(d.lane))).toBe(true);
        // Records of an older lane epoch after a newer one: the paused instance publishing after it lost the lane.
        // Only the step it had in flight when it was paused may land (it completes on SIGCONT, and without a Kafka
        // transaction nothing can take it back): one burst per partition and lane, then the fence holds. A second
        // burst was the FerretDB defect of issue 8 (a cursor move writing an old epoch back over a newer claim).
        const newest = new Map<string, Delivery>();
        const bursts = new Map<string, string[][]>();
        const previousWasStale = new Map<string, boolean>();
        for (const d of consumer.log) {
          const key = `${d.partition}/${d.lane}`;
          const before = newest.get(key);
          const isStale = before !== undefined && d.epoch < before.epoch;
          if (isStale) {
            const seen = bursts.get(key) ?? [];
            if (!previousWasStale.get(key)) seen.push([]);
            seen.at(-1)?.push(`${d.instance} (epoch ${d.epoch}) published ${d.stream} v${d.version} after epoch ${before?.epoch}`);
            bursts.set(key, seen);
          }
          previousWasStale.set(key, isStale);
          if (!before || d.epoch > before.epoch) newest.set(key, d);
        }
        const repeated = [...bursts].filter(([, b]) => b.length > 1).map(([key, b]) => `${key}: ${JSON.stringify(b)}`);
        expect(repeated, 'partition/lane with more than one burst of stale records').toEqual([]);
      },
    );
  });
});
