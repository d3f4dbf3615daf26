import { execFile, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { percentile, round, summarize, type Bench } from '@waggle/bench';
import { createMongoEventStore, type EventStore } from '@waggle/event-store';
import { createProducer, createTopics, type Producer } from '@waggle/kafka-bus';
import { createAvroSerde, type AvroSerde } from '@waggle/serde';
import { MongoClient } from 'mongodb';
import { createKafkaRecordMapper, createMongoRelayLedger, createOutboxRelay, type EventRouting, type RelayLedger } from '../src/index.ts';
import { newEvent, schema } from './benchRecords.ts';
import type { FromRelayProcess, RelayProcessSettings, ToRelayProcess } from './relayProcess.ts';

const run = promisify(execFile);
const rounds = 3;
const lanes = 4;

/** Appends `streams × batches × batchSize` events with 16 concurrent writers. */
const prefill = async (store: EventStore, streams: number, batches: number, batchSize: number): Promise<number> => {
  let next = 0;
  const ids = Array.from({ length: streams }, (_, i) => `stream-${i}`);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let s = next++; s < streams; s = next++) {
        for (let b = 0; b < batches; b++) {
          await store.append(
            ids[s]!,
            Array.from({ length: batchSize }, (_, i) => newEvent(b * batchSize + i)),
            { expectedVersion: b * batchSize },
          );
        }
      }
    }),
  );
  return streams * batches * batchSize;
};

type Rig = {
  store: EventStore;
  ledger: RelayLedger;
  db: string;
  topic: string;
  serde: AvroSerde;
  routing: EventRouting;
  close: () => Promise<void>;
};

const rig = async (client: MongoClient, brokers: string, registryUrl: string): Promise<Rig> => {
  const name = `bench-relay-${randomUUID().slice(0, 8)}`;
  await createTopics(brokers, [{ topic: name, partitions: 3 }]);
  const db = client.db(name);
  const store = createMongoEventStore({ db, lanes });
  await store.start();
  const serde = createAvroSerde({ registryUrl, schemas: [schema] });
  const routing: EventRouting = { source: '/waggle/bench', topicFor: () => name, fullNameFor: () => schema.fullName };
  return {
    store,
    ledger: createMongoRelayLedger({ db }),
    db: name,
    topic: name,
    serde,
    routing,
    close: () => db.dropDatabase().then(() => undefined),
  };
};

/** Events/s from a pre-filled store to broker acknowledgement. */
const drain = async (r: Rig, producer: Producer, events: number): Promise<number> => {
  const relay = createOutboxRelay({
    store: r.store,
    ledger: r.ledger,
    toRecords: createKafkaRecordMapper(r.serde, r.routing),
    publish: (records) => producer.send(records),
  });
  const began = performance.now();
  await relay.start();
  while (relay.status().reduce((sum, lane) => sum + lane.published, 0) < events) await delay(5);
  const seconds = (performance.now() - began) / 1000;
  await relay.stop();
  return events / seconds;
};

const relayProcessScript = fileURLToPath(new URL('./relayProcess.ts', import.meta.url));

/**
 * Events/s from a pre-filled store to broker acknowledgement with the lanes split between `processes` relay
 * processes, as between instances of a service. Timed from the moment every process is warm and told to start.
 */
const drainInProcesses = async (
  r: Rig,
  processes: number,
  events: number,
  settings: Omit<RelayProcessSettings, 'db' | 'topic'>,
): Promise<number> => {
  const children = Array.from({ length: processes }, () =>
    fork(relayProcessScript, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, RELAY_PROCESS: JSON.stringify({ ...settings, db: r.db, topic: r.topic }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const published = new Array<number>(processes).fill(0);
  try {
    await Promise.all(
      children.map(
        (child, i) =>
          new Promise<void>((resolve, reject) => {
            child.once('exit', (code) => reject(new Error(`relay process ${i} exited with ${code} before it was ready`)));
            child.on('message', (message: FromRelayProcess) => {
              if ('ready' in message) resolve();
              else published[i] = message.published;
            });
          }),
      ),
    );
    const began = performance.now();
    children.forEach((child, i) =>
      child.send({ go: Array.from({ length: lanes }, (_, l) => l).filter((l) => l % processes === i) } satisfies ToRelayProcess),
    );
    while (published.reduce((a, b) => a + b, 0) < events) await delay(2);
    return events / ((performance.now() - began) / 1000);
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.send({ stop: true } satisfies ToRelayProcess);
        await exited;
      }),
    );
  }
};

/**
 * The same kind of records through the same kafkajs producer with no store in front: what the Node client itself
 * reaches on this machine (steps of 512 records from 4 concurrent senders, as the relay's lanes send).
 */
const kafkajsAlone = async (r: Rig, producer: Producer, events: number): Promise<number> => {
  const toRecords = createKafkaRecordMapper(r.serde, r.routing);
  const records = await toRecords(
    Array.from({ length: events }, (_, i) => ({ ...newEvent(i), streamId: `stream-${i % 500}`, version: 1 + Math.floor(i / 500) })),
  );
  const began = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let at = next; at < records.length; at = next) {
        next += 512;
        await producer.send(records.slice(at, at + 512));
      }
    }),
  );
  return events / ((performance.now() - began) / 1000);
};

/** Kafka's own Java producer on the same broker: records/s at the given record size, acks=all. */
const producerPerformance = async (classpath: string, brokers: string, recordSize: number): Promise<number> => {
  const topic = `bench-perf-${randomUUID().slice(0, 8)}`;
  await createTopics(brokers, [{ topic, partitions: 3 }]);
  const { stdout } = await run(
    'java',
    [
      '-Xmx512m',
      '-cp',
      classpath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      '300000',
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const rate = /([\d.]+) records\/sec/.exec(last)?.[1];
  if (rate === undefined) throw new Error(`ProducerPerformance printed no rate: ${last}`);
  return Number(rate);
};

/**
 * Relay throughput (store → broker ack) against Kafka's ProducerPerformance at the same record size, and
 * append → ack latency at a light steady load, all on the stack's broker and Mongo server in this run.
 */
const bench: Bench = async (report, context) => {
  const { kafkaBrokers, mongoUrl, schemaRegistryUrl } = context.stack;
  const classpath = await context.kafkaClasspath();
  const client = new MongoClient(mongoUrl, { maxPoolSize: 32 });
  await client.connect();
  const producer = createProducer({ brokers: kafkaBrokers, clientId: 'bench-relay' });
  await producer.start();
  try {
    const sample = await rig(client, kafkaBrokers, schemaRegistryUrl);
    const [record] = await createKafkaRecordMapper(sample.serde, sample.routing)([{ ...newEvent(1), streamId: 'stream-1', version: 1 }]);
    const headerBytes = Object.entries(record!.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
    const recordSize = record!.value.length + headerBytes + record!.key.length;
    await sample.close();

    for (const shape of [
      { name: '1 event per batch', streams: 2000, batches: 5, batchSize: 1 },
      { name: '10 events per batch', streams: 500, batches: 5, batchSize: 10 },
    ]) {
      const relayRates: number[] = [];
      const twoProcessRates: number[] = [];
      const javaRates: number[] = [];
      const aloneRates: number[] = [];
      for (let i = 0; i < rounds; i++) {
        javaRates.push(await producerPerformance(classpath, kafkaBrokers, recordSize));
        const r = await rig(client, kafkaBrokers, schemaRegistryUrl);
        const events = await prefill(r.store, shape.streams, shape.batches, shape.batchSize);
        relayRates.push(await drain(r, producer, events));
        aloneRates.push(await kafkajsAlone(r, producer, events));
        await r.close();
        const r2 = await rig(client, kafkaBrokers, schemaRegistryUrl);
        await prefill(r2.store, shape.streams, shape.batches, shape.batchSize);
        twoProcessRates.push(
          await drainInProcesses(r2, 2, events, { mongoUrl, lanes, brokers: kafkaBrokers, registryUrl: schemaRegistryUrl }),
        );
        await r2.close();
      }
      const java = summarize(javaRates);
      const alone = summarize(aloneRates);
      const twoProcesses = summarize(twoProcessRates);
      report({
        case: `relay throughput, ${shape.name}, lanes split between 2 relay processes (2 service instances)`,
        unit: 'events/s',
        recordBytes: recordSize,
        median: round(twoProcesses.median),
        min: round(twoProcesses.min),
        max: round(twoProcesses.max),
        n: twoProcesses.n,
        baseline: `ProducerPerformance --record-size ${recordSize} acks=all`,
        baselineMedian: round(java.median),
        ratio: round(twoProcesses.median / java.median),
        target: 0.25,
      });
      const relay = summarize(relayRates);
      report({
        case: `relay throughput, ${shape.name}, one relay process`,
        unit: 'events/s',
        recordBytes: recordSize,
        median: round(relay.median),
        min: round(relay.min),
        max: round(relay.max),
        n: relay.n,
        baseline: `ProducerPerformance --record-size ${recordSize} acks=all`,
        baselineMedian: round(java.median),
        baselineMin: round(java.min),
        baselineMax: round(java.max),
        ratio: round(relay.median / java.median),
        target: 0.25,
        kafkajsAloneMedian: round(alone.median),
        kafkajsAloneMin: round(alone.min),
        kafkajsAloneMax: round(alone.max),
        kafkajsAloneRatio: round(alone.median / java.median),
        relayVsKafkajsAlone: round(relay.median / alone.median),
      });
    }

    // light load: 50 appends/s for 10 s, each latency from the append call to the broker's ack of its event;
    // once with the relay only polling (appends from another process), once woken by the append (as services do)
    for (const wakeUp of [false, true]) {
      const r = await rig(client, kafkaBrokers, schemaRegistryUrl);
      const started = new Map<string, number>();
      const latencies: number[] = [];
      const relay = createOutboxRelay({
        store: r.store,
        ledger: r.ledger,
        toRecords: createKafkaRecordMapper(r.serde, r.routing),
        publish: async (records) => {
          await producer.send(records);
          const now = performance.now();
          for (const rec of records) {
            const id = rec.headers['ce_id']?.toString() ?? '';
            const began = started.get(id);
            if (began !== undefined) latencies.push(now - began);
          }
        },
      });
      await relay.start();
      // warm up first (topic metadata, partition leaders, registry ids), as in a running service: not measured
      for (let i = 0; i < 25; i++) await r.store.append(`light-${i}`, [newEvent(i)], { expectedVersion: 0 });
      while (relay.status().reduce((sum, lane) => sum + lane.published, 0) < 25) await delay(10);
      for (let i = 0; i < 500; i++) {
        const e = newEvent(i);
        started.set(e.metadata.eventId, performance.now());
        await r.store.append(`light-${i % 25}`, [e], { expectedVersion: 1 + Math.floor(i / 25) });
        if (wakeUp) relay.wake();
        await delay(20);
      }
      while (latencies.length < 500) await delay(10);
      await relay.stop();
      await r.close();
      report({
        case: `append → ack latency, 50 appends/s, ${wakeUp ? 'relay woken by the append (as in a service)' : 'relay polling only (appends from another process)'}`,
        unit: 'ms',
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(Math.max(...latencies)),
        n: latencies.length,
        target: 'p99 < 50',
      });
    }
  } finally {
    await producer.stop();
    await client.close();
  }
};

export default bench;
