import { uniqueName } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeEventStoreContract } from './eventStoreContract.ts';
import { laneOf } from './eventStore.ts';
import { createMongoEventStore } from './mongoEventStore.ts';

const client = new MongoClient(inject('stack').mongoUrl);
afterAll(async () => {
  await client.close();
});

const freshStore = async () => {
  const db = client.db(uniqueName('es'));
  const store = createMongoEventStore({ db, lanes: 3 });
  await store.start();
  return { db, store };
};

describeEventStoreContract('MongoDB', async () => (await freshStore()).store);

describe('MongoDB event store', () => {
  describe('given a writer that died between its outbox insert and its stream insert', () => {
    it('completes the append from the outbox once the entry is older than the orphan timeout, exactly once', async () => {
      const { db, store } = await freshStore();
      await store.append(
        'flight-9',
        [{ type: 'A', data: {}, metadata: { eventId: 'e1', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: 0,
        },
      );
      const lane = laneOf('flight-9', 3);
      const orphan = {
        _id: `${lane}:2`,
        streamId: 'flight-9',
        from: 2,
        to: 2,
        batchId: 'orphan-batch',
        lane,
        seq: 2,
        commandId: null,
        events: [
          {
            type: 'B',
            data: { n: 1 },
            metadata: { eventId: 'e2', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
          },
        ],
        at: new Date(Date.now() - 60_000),
      };
      await db.collection<{ _id: string }>('outbox').insertOne(orphan);
      expect((await store.readStream('flight-9')).version).toBe(1);

      const young = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 120_000 });
      expect(young).toEqual({ batches: [], throughSeq: 1 });

      const read = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 10_000 });
      expect(read.batches.map((b) => b.batchId)).toEqual(['orphan-batch']);
      expect((await store.readStream('flight-9')).events.map((e) => e.type)).toEqual(['A', 'B']);
      await expect(store.append('flight-9', [{ ...orphan.events[0]!, type: 'C' }], { expectedVersion: 1 })).rejects.toMatchObject({
        name: 'ConcurrencyError',
      });
      const again = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 10_000 });
      expect(again.batches.map((b) => b.batchId)).toEqual(['orphan-batch']);
    });
  });

  describe('given a hole in a lane (a claimed seq whose document the server refused)', () => {
    it('waits for the orphan timeout, then voids the hole and publishes what follows it', async () => {
      const { db, store } = await freshStore();
      const lane = laneOf('hole-1', 3);
      await store.append(
        'hole-1',
        [{ type: 'A', data: {}, metadata: { eventId: 'e1', correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: 0,
        },
      );
      const raw = db.collection<{ _id: string; seq?: number }>('outbox');
      const after = (await raw.findOne({ _id: `${lane}:1` }))!;
      await raw.insertOne({ ...after, _id: `${lane}:3`, seq: 3 });

      expect(await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 60_000 })).toEqual({ batches: [], throughSeq: 1 });
      expect(await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 0 })).toEqual({ batches: [], throughSeq: 1 });
      const voided = await store.readOutbox(lane, 1, { limit: 10, orphanAfterMs: 0 });
      expect(voided.throughSeq).toBe(2);
      const next = await store.readOutbox(lane, 2, { limit: 10, orphanAfterMs: 0 });
      expect(next.throughSeq).toBe(3);
    });
  });

  it('reads streams and outbox lanes only through the _id index, never scanning a collection', async () => {
    const { db, store } = await freshStore();
    for (let v = 0; v < 30; v++) {
      await store.append(
        `s-${v % 3}`,
        [{ type: 'A', data: {}, metadata: { eventId: `e${v}`, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' } }],
        {
          expectedVersion: Math.floor(v / 3),
        },
      );
    }
    // the store's only query shape is {_id: value}; ask the server how it runs it (MongoDB: IDHACK/IXSCAN, FerretDB: SQLite SEARCH USING INDEX)
    for (const [collection, id] of [
      ['streams', 's-1@4'],
      ['outbox', '0:3'],
      ['outbox', '0:999999'],
    ] as const) {
      const plan = JSON.stringify(await db.collection<{ _id: string }>(collection).find({ _id: id }).explain());
      expect(plan, `${collection} {_id: ${id}}`).not.toMatch(/COLLSCAN|detail=SCAN /);
      expect(plan).toMatch(/IDHACK|IXSCAN|EXPRESS|USING INDEX|USING PRIMARY KEY/);
    }
  });

  it('refuses to reopen a store with another number of lanes', async () => {
    const { db } = await freshStore();
    await expect(createMongoEventStore({ db, lanes: 5 }).start()).rejects.toThrow(/3 outbox lanes/);
  });
});
