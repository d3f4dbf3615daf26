import { randomUUID } from 'node:crypto';
import { round, summarize, type Bench } from '@waggle/bench';
import { MongoClient, type Db } from 'mongodb';
import { createMongoEventStore, laneOf } from '../src/index.ts';
import { batchDocuments, storeFormat } from '../src/mongoEventStore.ts';

const lanes = 4;
const eventsPerBatch = 10;
const batchesPerStream = 10;

const event = (i: number) => ({
  type: 'SeatsHeld',
  data: { flightId: 'LH400-2026-12-01', bookingId: `booking-${i}`, seats: 2 },
  metadata: { eventId: randomUUID(), correlationId: 'bench', causationId: 'bench', occurredAt: '2026-11-25T10:00:00.000Z' },
});

/**
 * Seeds a store with `events` events (batches of 10, 10 batches per stream) straight into its two collections,
 * in the documents the store itself writes, so that a million events take a minute rather than an hour; returns
 * each lane's head.
 */
const seed = async (db: Db, events: number): Promise<Map<number, number>> => {
  const heads = new Map<number, number>();
  const batches = events / eventsPerBatch;
  const chunk = 1000;
  const template = Array.from({ length: eventsPerBatch }, (_, i) => event(i));
  for (let start = 0; start < batches; start += chunk) {
    const streamDocs = [];
    const outboxDocs = [];
    for (let b = start; b < Math.min(batches, start + chunk); b++) {
      const streamId = `stream-${Math.floor(b / batchesPerStream)}`;
      const from = (b % batchesPerStream) * eventsPerBatch + 1;
      const lane = laneOf(streamId, lanes);
      const seq = (heads.get(lane) ?? 0) + 1;
      heads.set(lane, seq);
      const docs = batchDocuments({
        streamId,
        from,
        to: from + eventsPerBatch - 1,
        batchId: randomUUID(),
        lane,
        seq,
        commandId: null,
        events: template,
        at: new Date().toISOString(),
      });
      streamDocs.push(docs.stream);
      outboxDocs.push(docs.outbox);
    }
    await db.collection<{ _id: string }>('streams').insertMany(streamDocs, { ordered: false });
    await db.collection<{ _id: string }>('outbox').insertMany(outboxDocs, { ordered: false });
  }
  await db
    .collection<{ _id: string; lanes: number; format: number }>('event_store_meta')
    .insertOne({ _id: 'event-store', lanes, format: storeFormat });
  return heads;
};

const timeMs = async (rounds: number, work: () => Promise<unknown>): Promise<number[]> => {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const began = performance.now();
    await work();
    samples.push(performance.now() - began);
  }
  return samples;
};

/**
 * What the relay and a command handler pay per call as the store grows: an idle relay poll at a lane's head, a
 * relay step of 64 batches, and loading a 100-event stream — at 10 thousand and at 1 million events. Flat is the
 * target: every query is an `_id` lookup.
 */
const run: Bench = async (report, context) => {
  const client = new MongoClient(context.stack.mongoUrl, { maxPoolSize: 16 });
  await client.connect();
  try {
    const results = new Map<string, Map<number, number>>();
    for (const events of [10_000, 1_000_000]) {
      const db = client.db(`bench-scale-${randomUUID().slice(0, 8)}`);
      const seeding = performance.now();
      const heads = await seed(db, events);
      const seedSeconds = (performance.now() - seeding) / 1000;
      const store = createMongoEventStore({ db, lanes });
      await store.start();
      const cases: [string, () => Promise<unknown>][] = [
        [
          'idle relay poll at the lane head (1 key, as the relay polls)',
          () => store.readOutbox(0, heads.get(0) ?? 0, { limit: 1, orphanAfterMs: 60_000 }),
        ],
        ['relay step of 64 batches', () => store.readOutbox(1, 10, { limit: 64, orphanAfterMs: 60_000 })],
        ['load a stream of 100 events', () => store.readStream(`stream-${Math.floor(events / eventsPerBatch / batchesPerStream / 2)}`)],
      ];
      for (const [name, work] of cases) {
        const summary = summarize(await timeMs(15, work));
        const byCase = results.get(name) ?? new Map<number, number>();
        byCase.set(events, summary.median);
        results.set(name, byCase);
        report({
          case: `${name}, ${events.toLocaleString('en')} events`,
          unit: 'ms',
          median: round(summary.median),
          min: round(summary.min),
          max: round(summary.max),
          n: summary.n,
          seedSeconds: round(seedSeconds),
        });
      }
      await db.dropDatabase();
    }
    for (const [name, byCase] of results) {
      report({
        case: `${name}: 1M events vs 10k events`,
        unit: 'ratio of medians',
        ratio: round((byCase.get(1_000_000) ?? 0) / (byCase.get(10_000) ?? 1)),
        target: '≈ 1 (no scan)',
      });
    }
  } finally {
    await client.close();
  }
};

export default run;
