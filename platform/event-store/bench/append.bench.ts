import { randomUUID } from 'node:crypto';
import type { Bench } from '@waggle/bench';
import { round, summarize } from '@waggle/bench';
import { MongoClient, type Db } from 'mongodb';
import { createMongoEventStore, type NewEvent } from '../src/index.ts';

const rounds = 5;

const newEvent = (i: number): NewEvent => ({
  type: 'SeatsHeld',
  data: { flightId: 'LH400-2026-12-01', bookingId: `booking-${i}`, seats: 2, holdId: `hold-${i}`, expiresAt: '2026-12-01T10:15:00.000Z' },
  metadata: { eventId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), occurredAt: '2026-11-25T10:00:00.000Z' },
});

/** Events per second of `work`, which appends or inserts `events` events, on a fresh database each round. */
const throughput = async (client: MongoClient, events: number, work: (db: Db) => Promise<void>): Promise<number> => {
  const db = client.db(`bench-append-${randomUUID().slice(0, 8)}`);
  await db.collection('warmup').insertOne({ warm: true });
  const began = performance.now();
  await work(db);
  const seconds = (performance.now() - began) / 1000;
  await db.dropDatabase();
  return events / seconds;
};

const store = async (db: Db) => {
  const s = createMongoEventStore({ db, lanes: 4 });
  await s.start();
  return s;
};

type Case = { name: string; events: number; baseline: string; append: (db: Db) => Promise<void>; raw: (db: Db) => Promise<void> };

const cases = (): Case[] => {
  const single = 400;
  const writers = 16;
  const perWriter = 40;
  const batchCase = (size: number, batches: number): Case => ({
    name: `batch of ${size}`,
    events: size * batches,
    baseline: `insertMany of ${size}`,
    append: async (db) => {
      const s = await store(db);
      for (let b = 0; b < batches; b++)
        await s.append(
          `stream-${b}`,
          Array.from({ length: size }, (_, i) => newEvent(i)),
          { expectedVersion: 0 },
        );
    },
    raw: async (db) => {
      const c = db.collection('events');
      for (let b = 0; b < batches; b++)
        await c.insertMany(Array.from({ length: size }, (_, i) => ({ streamId: `stream-${b}`, version: i + 1, ...newEvent(i) })));
    },
  });
  return [
    {
      name: '1 event per append, one writer',
      events: single,
      baseline: 'insertOne',
      append: async (db) => {
        const s = await store(db);
        for (let v = 0; v < single; v++) await s.append('stream-1', [newEvent(v)], { expectedVersion: v });
      },
      raw: async (db) => {
        const c = db.collection('events');
        for (let v = 0; v < single; v++) await c.insertOne({ streamId: 'stream-1', version: v + 1, ...newEvent(v) });
      },
    },
    batchCase(10, 60),
    batchCase(100, 8),
    {
      name: `${writers} concurrent writers, distinct streams`,
      events: writers * perWriter,
      baseline: `${writers} concurrent insertOne loops`,
      append: async (db) => {
        const s = await store(db);
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let v = 0; v < perWriter; v++) await s.append(`stream-${w}`, [newEvent(v)], { expectedVersion: v });
          }),
        );
      },
      raw: async (db) => {
        const c = db.collection('events');
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let v = 0; v < perWriter; v++) await c.insertOne({ streamId: `stream-${w}`, version: v + 1, ...newEvent(v) });
          }),
        );
      },
    },
  ];
};

/**
 * Append throughput of the Mongo event store as a ratio to raw inserts of the same events on the same server,
 * measured in alternating rounds in this process. An append is two inserts (outbox entry + stream batch).
 */
const run: Bench = async (report, context) => {
  const client = new MongoClient(context.stack.mongoUrl, { maxPoolSize: 32 });
  await client.connect();
  try {
    for (const c of cases()) {
      const appendRates: number[] = [];
      const rawRates: number[] = [];
      for (let r = 0; r < rounds; r++) {
        rawRates.push(await throughput(client, c.events, c.raw));
        appendRates.push(await throughput(client, c.events, c.append));
      }
      const appended = summarize(appendRates);
      const raw = summarize(rawRates);
      report({
        case: c.name,
        unit: 'events/s',
        median: round(appended.median),
        min: round(appended.min),
        max: round(appended.max),
        n: appended.n,
        baseline: c.baseline,
        baselineMedian: round(raw.median),
        baselineMin: round(raw.min),
        baselineMax: round(raw.max),
        ratio: round(appended.median / raw.median),
        target: 0.5,
      });
    }
  } finally {
    await client.close();
  }
};

export default run;
