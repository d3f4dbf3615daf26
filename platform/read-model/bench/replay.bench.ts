// Replay: the rebuild rate of flight-search and customer-bookings (a new version built beside the serving one,
// verified and switched), against two ceilings measured in the same run: the same topics consumed by a bare
// kafkajs consumer doing no work, and the final documents bulk-written to the same store. Also the service's
// RSS and where the CPU time goes (the service, the document store, Kafka) while it rebuilds.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { round, type Bench } from '@waggle/bench';
import { freePort } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import type { ReplayStatus } from '../src/replayStatus.ts';
import { seedReplayTopics } from './replaySeed.ts';

const events = Number(process.env['REPLAY_BENCH_EVENTS'] ?? 200_000);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const cpuSeconds = async (pid: number): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiB = async (pid: number): Promise<number> =>
  Number(/^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;

/** The pid of the first process whose command line matches (the stack's FerretDB, Kafka), for its CPU time. */
const findPid = async (pattern: RegExp): Promise<number | undefined> => {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (pattern.test(cmdline.replaceAll('\u0000', ' '))) return Number(entry);
  }
  return undefined;
};

/** The first ceiling: the topics read from the beginning by a bare kafkajs consumer that does nothing. */
const consumeBare = async (brokers: string, topics: readonly string[], total: number): Promise<number> => {
  const kafka = new Kafka({ clientId: 'replay-bench-bare', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `replay-bench-bare-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  let seen = 0;
  let began = performance.now();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => (began = performance.now()));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= total) finish();
      await Promise.resolve();
    },
  });
  await done;
  const seconds = (performance.now() - began) / 1000;
  await consumer.disconnect();
  return total / seconds;
};

/** The second ceiling: the final documents of a version written again with ordered bulk inserts of 1000. */
const bulkWrite = async (
  mongoUrl: string,
  dbName: string,
  collections: readonly string[],
  total: number,
): Promise<{ rate: number; documents: number }> => {
  const client = new MongoClient(mongoUrl);
  await client.connect();
  const source = client.db(dbName);
  const target = client.db(`${dbName}-bulk`);
  const docs = await Promise.all(collections.map(async (name) => ({ name, docs: await source.collection(name).find({}).toArray() })));
  const began = performance.now();
  for (const { name, docs: all } of docs)
    for (let i = 0; i < all.length; i += 1000) await target.collection(name).insertMany(all.slice(i, i + 1000), { ordered: false });
  const seconds = (performance.now() - began) / 1000;
  await target.dropDatabase();
  await client.close();
  return { rate: total / seconds, documents: docs.reduce((sum, c) => sum + c.docs.length, 0) };
};

const status = async (url: string, brief = true): Promise<ReplayStatus | undefined> => {
  const response = await fetch(`${url}/api/v1/replays${brief ? '?brief=true' : ''}`).catch(() => undefined);
  return response?.ok === true ? ((await response.json()) as ReplayStatus) : undefined;
};

const bench: Bench = async (report, context) => {
  const { kafkaBrokers, schemaRegistryUrl, mongoUrl } = context.stack;
  const run = Date.now();
  const flightsTopic = `replay-bench-flights-${run}`;
  const bookingsTopic = `replay-bench-bookings-${run}`;
  const seedBegan = performance.now();
  const seeded = await seedReplayTopics({ brokers: kafkaBrokers, registryUrl: schemaRegistryUrl, flightsTopic, bookingsTopic, events });
  report({ step: 'seeded', ...seeded, seconds: round((performance.now() - seedBegan) / 1000) });
  const pids = { mongo: await findPid(/ferretdb|mongod /), kafka: await findPid(/java .*kafka\.Kafka|kafka-server/) };
  const cpuOf = async (pid: number | undefined): Promise<number> => (pid === undefined ? Number.NaN : cpuSeconds(pid));

  const models = [
    {
      name: 'flight-search',
      entry: 'projections/flight-search/src/main.ts',
      topics: [flightsTopic],
      events: seeded.flightEvents,
      collections: ['flights_v2', 'route_days_v2'],
    },
    {
      name: 'customer-bookings',
      entry: 'projections/customer-bookings/src/main.ts',
      topics: [flightsTopic, bookingsTopic],
      events: seeded.flightEvents + seeded.bookingEvents,
      collections: ['bookings_v2', 'flights_v2', 'customers_v2'],
    },
  ];
  for (const model of models) {
    const bare = await consumeBare(kafkaBrokers, model.topics, model.events);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dbName = `replay-bench-${model.name}-${run}`;
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', model.entry], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        KAFKA_BROKERS: kafkaBrokers,
        SCHEMA_REGISTRY_URL: schemaRegistryUrl,
        MONGO_URL: mongoUrl,
        MONGO_DB: dbName,
        PORT: String(port),
        GROUP_ID: `replay-bench-${model.name}-${run}`,
        FLIGHTS_TOPIC: flightsTopic,
        BOOKINGS_TOPIC: bookingsTopic,
        LOG_LEVEL: 'warn',
        REPLAY_LAG_THRESHOLD: '0',
      },
    });
    try {
      const pid = child.pid ?? 0;
      const buildBegan = performance.now();
      for (;;) {
        const s = await status(url, false);
        const v1 = s?.versions.find((v) => v.version === 1);
        if (v1?.lag === 0 && v1.offsets.length > 0) break;
        await delay(1000);
      }
      const initial = model.events / ((performance.now() - buildBegan) / 1000);

      const before = {
        service: await cpuSeconds(pid),
        mongo: await cpuOf(pids.mongo),
        kafka: await cpuOf(pids.kafka),
      };
      const began = performance.now();
      const startedAt = Date.now();
      await fetch(`${url}/api/v1/replays`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"lagThreshold":0}' });
      let peakRss = 0;
      let final: ReplayStatus | undefined;
      for (;;) {
        peakRss = Math.max(peakRss, await rssMiB(pid));
        final = await status(url);
        if (final?.pointer.version === 2) break;
        await delay(500);
      }
      const seconds = (performance.now() - began) / 1000;
      const cpu = {
        service: (await cpuSeconds(pid)) - before.service,
        mongo: (await cpuOf(pids.mongo)) - before.mongo,
        kafka: (await cpuOf(pids.kafka)) - before.kafka,
      };
      const v2 = final.versions.find((v) => v.version === 2);
      const verifySeconds =
        v2?.caughtUpAt !== undefined && v2.switchedAt !== undefined ? (Date.parse(v2.switchedAt) - Date.parse(v2.caughtUpAt)) / 1000 : null;
      // caught up: every event applied and written, before the switch compares both versions (it reads both whole)
      const catchUpSeconds = v2?.caughtUpAt === undefined ? null : (Date.parse(v2.caughtUpAt) - startedAt) / 1000;
      const bulk = await bulkWrite(mongoUrl, dbName, model.collections, model.events);
      const rate = model.events / seconds;
      const lower = Math.min(bare, bulk.rate);
      report({
        readModel: model.name,
        events: model.events,
        documents: bulk.documents,
        initialBuildEventsPerSecond: round(initial),
        rebuildEventsPerSecond: round(rate),
        rebuildSeconds: round(seconds),
        catchUpSeconds: catchUpSeconds === null ? null : round(catchUpSeconds),
        catchUpRatioToLowerCeiling: catchUpSeconds === null ? null : round(model.events / catchUpSeconds / Math.min(bare, bulk.rate)),
        verifyAndSwitchSeconds: verifySeconds === null ? null : round(verifySeconds),
        equal: v2?.verification?.equal ?? null,
        ceilingBareConsumerEventsPerSecond: round(bare),
        ceilingBulkWriteEventsPerSecond: round(bulk.rate),
        ratioToLowerCeiling: round(rate / lower),
        lowerCeiling: bare <= bulk.rate ? 'bare-consumer' : 'bulk-write',
        servicePeakRssMiB: round(peakRss),
        cpuSecondsService: round(cpu.service),
        cpuSecondsMongo: round(cpu.mongo),
        cpuSecondsKafka: round(cpu.kafka),
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
};

export default bench;
