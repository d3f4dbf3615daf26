import { TransientError } from '@waggle/errors';
import { uniqueName } from '@waggle/testing';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { updateDocuments } from './updateDocuments.ts';
import { createBufferedStorage, directStorage } from './versionStorage.ts';

const stack = inject('stack');
const mongo = new MongoClient(stack.mongoUrl);
let db: Db;

type Tally = { key: string; count: number };
const keyOf = (t: Tally) => t.key;
type StoredTally = { _id: string; count: number; _revision: number };
const stored = async (collection: string) =>
  (await db.collection<StoredTally>(collection).find({}).sort({ _id: 1 }).toArray()).map(({ _id, count, _revision }) => ({
    _id,
    count,
    _revision,
  }));

beforeAll(async () => {
  await mongo.connect();
  db = mongo.db(uniqueName('version-storage'));
});
afterAll(async () => {
  await mongo.close();
});

describe('a buffered version storage', () => {
  describe('while buffering', () => {
    it('folds saves in memory and writes each document once at the flush, then the offsets', async () => {
      const buffered = createBufferedStorage(db, (base) => `${base}_v2`);
      const tallies = buffered.storage.documents<Tally>('tallies', keyOf);
      const offsets = buffered.storage.offsets();
      buffered.buffer();
      for (let i = 0; i < 50; i++) await updateDocuments(tallies, ['a', 'b'], (key, doc) => ({ key, count: (doc?.count ?? 0) + 1 }));
      await offsets.record({ topic: 't', partition: 0, offset: 99 });

      // nothing written yet: the projector still reads its own writes and offsets
      expect(await stored('tallies_v2')).toEqual([]);
      expect(await offsets.reflected('t', 0)).toBe(99);
      expect(await offsets.all()).toEqual([]);
      expect(buffered.stats()).toMatchObject({ buffering: true, dirty: 2, held: 2 });
      expect((await tallies.load(['a'])).get('a')?.doc.count).toBe(50);

      await buffered.flush();
      expect(await stored('tallies_v2')).toEqual([
        { _id: 'a', count: 50, _revision: 1 },
        { _id: 'b', count: 50, _revision: 1 },
      ]);
      expect(await offsets.all()).toEqual([{ topic: 't', partition: 0, offset: 99 }]);
      expect(buffered.stats()).toMatchObject({ dirty: 0, held: 0, flushes: 1, written: 2 });

      // a second round loads what the first wrote and replaces it once more
      await updateDocuments(tallies, ['a'], (key, doc) => ({ key, count: (doc?.count ?? 0) + 1 }));
      await buffered.flush();
      expect(await stored('tallies_v2')).toEqual([
        { _id: 'a', count: 51, _revision: 2 },
        { _id: 'b', count: 50, _revision: 1 },
      ]);
    });

    it('tells two batches that read one revision apart: the second save loses and reloads', async () => {
      const buffered = createBufferedStorage(db, (base) => `${base}_race`);
      const tallies = buffered.storage.documents<Tally>('tallies', keyOf);
      buffered.buffer();
      const [first, second] = [await tallies.load(['x']), await tallies.load(['x'])];
      expect(first.size + second.size).toBe(0);
      expect(await tallies.save([{ doc: { key: 'x', count: 1 }, revision: 0 }])).toEqual([]);
      expect(await tallies.save([{ doc: { key: 'x', count: 1 }, revision: 0 }])).toEqual(['x']);
      expect((await tallies.load(['x'])).get('x')).toEqual({ doc: { key: 'x', count: 1 }, revision: 1 });
    });

    it('fails a flush whose document another writer moved meanwhile, retriably, and drops what it held', async () => {
      await directStorage(db, (base) => `${base}_moved`)
        .documents<Tally>('tallies', keyOf)
        .save([{ doc: { key: 'm', count: 1 }, revision: 0 }]);
      const buffered = createBufferedStorage(db, (base) => `${base}_moved`);
      const tallies = buffered.storage.documents<Tally>('tallies', keyOf);
      buffered.buffer();
      await updateDocuments(tallies, ['m', 'n'], (key, doc) => ({ key, count: (doc?.count ?? 0) + 10 }));
      // another writer (an instance that should not be feeding this version) moves m
      await db.collection<StoredTally>('tallies_moved').updateOne({ _id: 'm' }, { $set: { count: 500 }, $inc: { _revision: 1 } });

      const flushed = buffered.flush();
      await expect(flushed).rejects.toThrow(TransientError);
      await expect(flushed).rejects.toThrow(/tallies_moved: 1 document\(s\) \(m\) were written by another writer/);
      expect(buffered.stats()).toMatchObject({ dirty: 0, held: 0 });
      expect((await stored('tallies_moved')).find((d) => d._id === 'm')).toMatchObject({ count: 500, _revision: 2 });
    });
  });

  describe('written through', () => {
    it('writes every save and offset at once', async () => {
      const buffered = createBufferedStorage(db, (base) => `${base}_through`);
      const tallies = buffered.storage.documents<Tally>('tallies', keyOf);
      const offsets = buffered.storage.offsets();
      buffered.buffer();
      buffered.writeThrough();
      await updateDocuments(tallies, ['w'], (key) => ({ key, count: 7 }));
      await offsets.record({ topic: 't', partition: 1, offset: 3 });
      expect(await stored('tallies_through')).toEqual([{ _id: 'w', count: 7, _revision: 1 }]);
      expect(await offsets.all()).toEqual([{ topic: 't', partition: 1, offset: 3 }]);
    });
  });
});
