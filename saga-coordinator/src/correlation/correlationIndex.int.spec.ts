import { randomUUID } from 'node:crypto';
import { createLogger } from '@waggle/observability';
import { createProducer, createTopics, toEventHeaders, type Producer, type ProducerRecord } from '@waggle/kafka-bus';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import {
  sagaTopics,
  taskCanceledType,
  taskCommandType,
  taskResultType,
  toSagaRecord,
  toTaskCommandData,
  toTaskResultData,
} from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCorrelationIndex, type CorrelationIndex } from './createCorrelationIndex.ts';
import { toCorrelationTopics } from './correlationTopics.ts';
import { createCorrelationStore, type CorrelationStore, type Lookup } from './correlationStore.ts';

// the correlation index on real Kafka, registry and Mongo: what it records of each record, once, across a restart and a
// whole redelivery, and how it is looked up
const stack = inject('stack');
const run = uniqueName('corr-index');
const topics = sagaTopics(`${run}.saga`);
const bookings = `${run}.bookings.events`;
const holdTasks = topics.tasks('hold_seats');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const logger = createLogger({ service: 'correlation-index-test', level: 'silent' });
let client: MongoClient;
let db: Db;
let store: CorrelationStore;
let producer: Producer;
const running: CorrelationIndex[] = [];

const startIndex = async (groupId: string, more: { store?: CorrelationStore; stopFlushMs?: number } = {}): Promise<CorrelationIndex> => {
  const index = createCorrelationIndex({
    brokers: [stack.kafkaBrokers],
    serde,
    store,
    ...more,
    groupId,
    topicPattern: toCorrelationTopics('', `${run}.saga`, { 'bookings.events': bookings })!,
    lingerMs: 100,
    topicRefreshMs: 1_000,
    sessionTimeoutMs: 6_000,
    logger,
  });
  running.push(index);
  await index.start();
  return index;
};

const event = (
  topic: string,
  key: string,
  type: string,
  meta: { id: string; correlationId: string; causationId: string },
): ProducerRecord => ({
  topic,
  key,
  // the index reads headers only: a domain event's payload is never decoded
  value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
  headers: toEventHeaders({ ...meta, type, source: '/waggle/bookings', time: new Date().toISOString(), subject: key }),
});

// one booking's records: the request (its own correlation id), the saga's start (the booking's), a task command and
// result, a domain event the task caused; plus a record without a correlation id and two that cannot be read
const bookingId = `bkg-${run}`;
const workflowId = randomUUID();
const taskId = `${workflowId}:1`;
const requested = { id: randomUUID(), correlationId: randomUUID(), causationId: randomUUID() };
const startId = randomUUID();
const commandId = randomUUID();
const unordered = async (): Promise<ProducerRecord[]> => [
  event(bookings, bookingId, 'waggle.bookings.BookingRequested', requested),
  event(topics.inputs, workflowId, 'waggle.saga.WorkflowStartRequested', {
    id: startId,
    correlationId: bookingId,
    causationId: requested.id,
  }),
  await toSagaRecord(serde, {
    topic: holdTasks,
    fullName: taskCommandType,
    key: workflowId,
    data: toTaskCommandData({
      workflowId,
      taskId,
      taskType: 'hold_seats',
      referenceTaskName: 'hold',
      retryCount: 0,
      input: { bookingId },
      responseTimeoutSeconds: 0,
    }),
    source: '/waggle/saga-coordinator',
    cause: { id: commandId, correlationId: bookingId, causationId: startId },
  }),
  event(bookings, bookingId, 'waggle.bookings.SeatsHeldNoted', { id: randomUUID(), correlationId: bookingId, causationId: commandId }),
  await toSagaRecord(serde, {
    topic: topics.inputs,
    fullName: taskResultType,
    key: workflowId,
    data: toTaskResultData({ workflowId, taskId, status: 'COMPLETED', outputData: { holdId: 'h1' }, workerId: 'w', retryCount: 0 }),
    source: '/waggle/flights/task-worker',
    cause: { correlationId: bookingId, causationId: commandId },
  }),
  { topic: bookings, key: 'no-headers', value: Buffer.from('plain') },
  // a task command whose payload is garbage: indexed without its task id, and the index goes on
  event(holdTasks, workflowId, taskCommandType, { id: randomUUID(), correlationId: bookingId, causationId: startId }),
  // behind it on its partition
  await toSagaRecord(serde, {
    topic: holdTasks,
    fullName: taskCanceledType,
    key: workflowId,
    data: { workflowId, taskId, taskType: 'hold_seats' },
    source: '/waggle/saga-coordinator',
    cause: { correlationId: bookingId, causationId: startId },
  }),
  // a record with a correlation id and nothing else the index reads (an unparseable ce_time counts as none)
  { topic: bookings, key: bookingId, value: Buffer.from([1]), headers: { correlation_id: bookingId, ce_time: 'not a time' } },
];
const expectedIndexed = 8;
// each 10 ms after the one before, so the timeline's order is the order written here
const base = Date.now();
const records = async (): Promise<ProducerRecord[]> =>
  (await unordered()).map((record, i) =>
    record.headers?.['ce_id'] === undefined
      ? record
      : { ...record, headers: { ...record.headers, ce_time: new Date(base + i * 10).toISOString() } },
  );

const dayCollections = async () =>
  (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => name.startsWith('correlations_'));
const countDocs = async (): Promise<number> => {
  let total = 0;
  for (const name of await dayCollections()) total += await db.collection(name).countDocuments({});
  return total;
};
const types = (lookup: Lookup) => lookup.records.map((r) => r.type.split('.').at(-1));

beforeAll(async () => {
  client = await MongoClient.connect(stack.mongoUrl);
  db = client.db(run);
  store = createCorrelationStore(db, { retentionDays: 7 });
  await createTopics(
    [stack.kafkaBrokers],
    [
      { topic: bookings, partitions: 3 },
      { topic: topics.inputs, partitions: 3 },
      { topic: holdTasks, partitions: 3 },
    ],
  );
  producer = createProducer({ brokers: [stack.kafkaBrokers], clientId: run, lingerMs: 0 });
  await producer.start();
  // one at a time: each its own batch on its partition, as a live system writes them
  for (const record of await records()) await producer.send([record]);
});
afterAll(async () => {
  for (const index of running) await index.stop();
  await producer?.stop();
  await client?.close();
});

describe('the correlation index', () => {
  let first: CorrelationIndex;

  it('records each record with a correlation id once: the request, the saga start, the task command and result, the events', async () => {
    first = await startIndex(`${run}.index`);
    await waitFor(() => first.status().indexed >= expectedIndexed && first.status().skipped >= 1, { description: 'all records read' });
    const found = await store.byCorrelation(bookingId, { causes: true, limit: 100 });
    expect(types(found)).toEqual([
      'BookingRequested',
      'WorkflowStartRequested',
      'TaskCommand',
      'SeatsHeldNoted',
      'TaskResult',
      'TaskCommand',
      'TaskCanceled',
      'unknown',
    ]);
    expect(found.records.map((r) => r.relation)).toEqual(['cause', ...Array<string>(7).fill('correlation')]);
    const [request, start, command] = found.records;
    expect(request).toMatchObject({
      topic: bookings,
      correlationId: requested.correlationId,
      eventId: requested.id,
      key: bookingId,
      source: '/waggle/bookings',
    });
    expect(start).toMatchObject({ topic: topics.inputs, workflowId, causationId: requested.id });
    expect(command).toMatchObject({ topic: holdTasks, taskId, workflowId });
    expect(command?.offset).toMatch(/^\d+$/);
    // the unreadable task command is kept without a task id; a record with nothing but a correlation id is kept too,
    // at its Kafka timestamp
    expect(found.records[5]?.taskId).toBeUndefined();
    expect(found.records[7]).toMatchObject({ type: 'unknown', time: found.records[7]?.timestamp });
    expect(first.status()).toMatchObject({ skipped: 1, undecodable: 1 });
    // without causes, only what carries the correlation id
    expect(types(await store.byCorrelation(bookingId, { causes: false, limit: 100 }))[0]).toBe('WorkflowStartRequested');
  });

  it('finds a task by its id: its command and result records, with topic, partition and offset', async () => {
    const found = await store.byTask(taskId, 100);
    expect(found?.records.map((r) => `${r.type}@${r.topic}`)).toEqual([
      `${taskCommandType}@${holdTasks}`,
      `${taskResultType}@${topics.inputs}`,
      `${taskCanceledType}@${holdTasks}`,
    ]);
    expect(found?.records.every((r) => r.partition >= 0 && /^\d+$/.test(r.offset))).toBe(true);
    expect(await store.byTask('not-a-task-id', 100)).toBeUndefined();
    expect((await store.byTask(`${randomUUID()}:3`, 100))?.records).toEqual([]);
  });

  it('finds an execution by its workflow id: every correlation its records carry, and what caused them', async () => {
    const found = await store.byWorkflow(workflowId, { causes: true, limit: 100 });
    expect(found.correlationIds).toEqual([bookingId]);
    expect(types(found)).toEqual(types(await store.byCorrelation(bookingId, { causes: true, limit: 100 })));
    expect((await store.byWorkflow(workflowId, { causes: true, limit: 2 })).truncated).toBe(true);
  });

  it('after a restart, and after the whole topic is delivered again to a new group: nothing is doubled', async () => {
    const before = await countDocs();
    expect(before).toBeGreaterThan(expectedIndexed);
    await first.stop();
    // restarted in its group: continues after what it committed, with one new record
    await producer.send([
      event(bookings, bookingId, 'waggle.bookings.BookingConfirmed', {
        id: randomUUID(),
        correlationId: bookingId,
        causationId: commandId,
      }),
    ]);
    const restarted = await startIndex(`${run}.index`);
    await waitFor(() => restarted.status().indexed >= 1, { description: 'the new record indexed' });
    expect(restarted.status().indexed).toBe(1);
    // a group that starts from the beginning writes every record again: the same documents
    const again = await startIndex(`${run}.index-again`);
    await waitFor(() => again.status().indexed >= expectedIndexed + 1, { description: 'everything delivered again' });
    const found = await store.byCorrelation(bookingId, { causes: true, limit: 100 });
    expect(types(found)).toEqual([
      'BookingRequested',
      'WorkflowStartRequested',
      'TaskCommand',
      'SeatsHeldNoted',
      'TaskResult',
      'TaskCommand',
      'TaskCanceled',
      'unknown',
      'BookingConfirmed',
    ]);
    // the new record adds its entry, its event reference; the sets it joins (the booking's) exist already
    expect(await countDocs()).toBe(before + 2);
  });

  it('stops within its deadline while a write hangs, and what it had not written is indexed at the next start', async () => {
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const stuck: CorrelationStore = { ...store, write: async (entries) => hanging.then(() => store.write(entries)) };
    const slow = await startIndex(`${run}.index-stuck`, { store: stuck, stopFlushMs: 300 });
    // joined and fetching; every write it starts waits on the store
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const began = performance.now();
    running.splice(running.indexOf(slow), 1);
    await slow.stop();
    expect(performance.now() - began).toBeLessThan(5_000);
    expect(slow.status().indexed).toBe(0);
    release();
    // nothing was committed: the group reads every record again
    const next = await startIndex(`${run}.index-stuck`);
    await waitFor(() => next.status().indexed >= expectedIndexed + 1, { description: 'every record indexed by the next start' });
  });

  it('keeps days within retention: a day past it is dropped, today stays', async () => {
    const old = db.collection('correlations_20000101');
    await old.insertOne({ _id: 'r:old/0/0' } as never);
    const dropped = await store.prune();
    expect(dropped).toEqual(['correlations_20000101']);
    expect((await dayCollections()).length).toBeGreaterThanOrEqual(1);
  });
});
