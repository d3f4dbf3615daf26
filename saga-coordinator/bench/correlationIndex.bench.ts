import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { round, type Bench } from '@waggle/bench';
import { openMongoEventStore } from '@waggle/event-store';
import { createProducer, createTopics, toEventHeaders, type ProducerRecord } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde, type AvroSerde } from '@waggle/serde';
import { loadStackConfig, stackStatus } from '@waggle/stack';
import { sagaTopics, taskCommandType, taskResultType, toSagaRecord, toTaskCommandData, toTaskResultData } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { createCorrelationIndex, type CorrelationIndex } from '../src/correlation/createCorrelationIndex.ts';
import { toCorrelationTopics } from '../src/correlation/correlationTopics.ts';
import { createCorrelationStore } from '../src/correlation/correlationStore.ts';

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, not ${process.env[name]}`);
  return value;
};
const rate = number('WAGGLE_BENCH_CORRELATIONS_RATE', 5);
const seconds = number('WAGGLE_BENCH_CORRELATIONS_SECONDS', 30);
const lingerMs = number('WAGGLE_BENCH_CORRELATIONS_LINGER_MS', 500);

const contexts = ['flights', 'bookings', 'payments', 'loyalty'] as const;
const tasks = [
  ['hold_seats', 'flights', 'SeatsHeld'],
  ['authorize_payment', 'payments', 'PaymentAuthorized'],
  ['confirm_booking', 'bookings', 'BookingConfirmed'],
  ['confirm_seats', 'flights', 'SeatsConfirmed'],
  ['capture_payment', 'payments', 'PaymentCaptured'],
] as const;

const cpuOf = async (pid: number): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const ownCpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** A paid booking's records as the airline writes them: 7 domain events, the saga's start and 5 tasks' commands and results. */
const bookingRecords = async (serde: AvroSerde, run: string, n: number): Promise<ProducerRecord[]> => {
  const saga = sagaTopics(`${run}.saga`);
  const bookingId = `bkg-${n}-${randomUUID()}`;
  const workflowId = randomUUID();
  const time = new Date().toISOString();
  const event = (context: string, type: string, correlationId: string, causationId: string): ProducerRecord => ({
    topic: `${run}.${context}.events`,
    key: bookingId,
    // the payload is never read by the index: a real event's size
    value: Buffer.alloc(180, 1),
    headers: toEventHeaders({
      id: randomUUID(),
      type: `waggle.${context}.${type}`,
      source: `/waggle/${context}`,
      time,
      subject: bookingId,
      correlationId,
      causationId,
    }),
  });
  const requested = event('bookings', 'BookingRequested', randomUUID(), randomUUID());
  const records: ProducerRecord[] = [requested];
  const start = { id: randomUUID(), correlationId: bookingId, causationId: String(requested.headers?.['ce_id']) };
  records.push({
    ...event('bookings', 'x', bookingId, start.causationId),
    topic: saga.inputs,
    key: workflowId,
    headers: toEventHeaders({
      ...start,
      type: 'waggle.saga.WorkflowStartRequested',
      source: '/waggle/saga-coordinator',
      time,
      subject: workflowId,
    }),
  });
  for (const [index, [taskType, context, fact]] of tasks.entries()) {
    const taskId = `${workflowId}:${index + 1}`;
    const commandId = randomUUID();
    records.push(
      await toSagaRecord(serde, {
        topic: saga.tasks(taskType),
        fullName: taskCommandType,
        key: workflowId,
        data: toTaskCommandData({
          workflowId,
          taskId,
          taskType,
          referenceTaskName: taskType,
          retryCount: 0,
          input: { bookingId },
          responseTimeoutSeconds: 0,
        }),
        source: '/waggle/saga-coordinator',
        cause: { id: commandId, correlationId: bookingId, causationId: start.id },
      }),
      event(context, fact, bookingId, commandId),
      await toSagaRecord(serde, {
        topic: saga.inputs,
        fullName: taskResultType,
        key: workflowId,
        data: toTaskResultData({ workflowId, taskId, status: 'COMPLETED', outputData: { ok: true }, workerId: context, retryCount: 0 }),
        source: `/waggle/${run}.${context}.events/task-worker`,
        cause: { correlationId: bookingId, causationId: commandId },
      }),
    );
  }
  records.push(event('loyalty', 'PointsEarned', bookingId, randomUUID()));
  return records;
};

/**
 * The correlation index's cost at a steady booking rate: the same records produced twice for `seconds`, once with
 * nobody indexing them and once with the index running in this process; the difference of this process's CPU is the
 * index's (kafkajs fetches, header reads, task payload decodes, the Mongo driver), FerretDB's the same (noisy on a shared
 * machine). Also how far the index trails, and what it asked of Mongo per record.
 */
const bench: Bench = async (report, context) => {
  const { kafkaBrokers, schemaRegistryUrl, mongoUrl } = context.stack;
  const serde = createAvroSerde({ registryUrl: schemaRegistryUrl, schemas: loadSchemas() });
  // the stack's own FerretDB, or the one named (a stack started elsewhere reports no pid)
  const named = Number(process.env['WAGGLE_BENCH_FERRETDB_PID'] ?? Number.NaN);
  const ferret = Number.isSafeInteger(named)
    ? { pid: named }
    : (await stackStatus(loadStackConfig())).find((s) => s.name === 'mongo' && s.pid !== undefined);
  const producer = createProducer({ brokers: [kafkaBrokers], clientId: 'bench-correlations', lingerMs: 5 });
  await producer.start();
  const logger = createLogger({ service: 'bench-correlations', level: 'warn' });

  const prepare = async (run: string) => {
    const saga = sagaTopics(`${run}.saga`);
    await createTopics(
      [kafkaBrokers],
      [...contexts.map((c) => `${run}.${c}.events`), saga.inputs, ...tasks.map(([type]) => saga.tasks(type))].map((topic) => ({
        topic,
        partitions: 3,
      })),
    );
  };
  /** Produces `rate` bookings a second for `seconds`; answers the CPU this process and FerretDB used meanwhile. */
  const load = async (run: string) => {
    const cpu = ownCpu();
    const ferretCpu = ferret?.pid === undefined ? Number.NaN : await cpuOf(ferret.pid);
    const began = performance.now();
    let records = 0;
    for (let n = 0; n < rate * seconds; n += 1) {
      const batch = await bookingRecords(serde, run, n);
      // a booking's records over the second it takes, as the saga moves
      for (const record of batch) {
        await producer.send([record]);
        records += 1;
      }
      const due = began + ((n + 1) * 1000) / rate;
      await delay(Math.max(0, due - performance.now()));
    }
    const elapsed = (performance.now() - began) / 1000;
    return {
      records,
      elapsed,
      cores: (ownCpu() - cpu) / elapsed,
      ferretCores: ferret?.pid === undefined ? Number.NaN : ((await cpuOf(ferret.pid)) - ferretCpu) / elapsed,
    };
  };

  const bare = uniqueName('bench-corr-bare');
  await prepare(bare);
  const without = await load(bare);

  const run = uniqueName('bench-corr');
  await prepare(run);
  // a database of its own, as the coordinator gives its index (the store's collections beside it stay empty)
  const opened = await openMongoEventStore({ url: mongoUrl, database: run });
  const store = createCorrelationStore(opened.db, { retentionDays: 7 });
  const index: CorrelationIndex = createCorrelationIndex({
    brokers: [kafkaBrokers],
    serde,
    store,
    groupId: `${run}.correlations`,
    topicPattern: toCorrelationTopics('', `${run}.saga`, Object.fromEntries(contexts.map((c) => [`${c}.events`, `${run}.${c}.events`])))!,
    lingerMs,
    logger,
  });
  await index.start();
  const withIndex = await load(run);
  const drained = performance.now();
  await waitFor(() => index.status().indexed >= withIndex.records, { timeoutMs: 120_000, description: 'the index caught up' });
  const trailMs = performance.now() - drained;
  const status = index.status();
  await index.stop();

  const perRecord = (n: number) => round(n / status.indexed);
  const indexCores = withIndex.cores - without.cores;
  report({
    case: `correlation index at ${rate} bookings/s (${round(withIndex.records / withIndex.elapsed)} records/s) for ${seconds} s, linger ${lingerMs} ms`,
    unit: 'cores',
    indexCores: round(indexCores),
    cpuMicrosPerRecord: round((indexCores * withIndex.elapsed * 1e6) / withIndex.records),
    processCores: { producingOnly: round(without.cores), producingAndIndexing: round(withIndex.cores) },
    ferretdbCores: { producingOnly: round(without.ferretCores), producingAndIndexing: round(withIndex.ferretCores) },
    records: withIndex.records,
    writes: status.writes,
    recordsPerWrite: round(status.indexed / status.writes),
    mongoCommandsPerRecord: perRecord(status.commands),
    documentsPerRecord: perRecord(status.documents),
    setUpsertsPerRecord: perRecord(status.setUpdates),
    trailsAfterLastRecordMs: round(trailMs),
  });
  await producer.stop();
  await opened.close();
};

export default bench;
