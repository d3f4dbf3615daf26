import { uniqueName } from '@waggle/testing';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createGroupInsert } from './groupInsert.ts';

const client = new MongoClient(inject('stack').mongoUrl);
afterAll(async () => {
  await client.close();
});

describe('a group insert', () => {
  describe('given one document of a group that the server refuses and one duplicate', () => {
    it('rejects that caller alone, tells the duplicate, and the others learn their documents went in', async () => {
      const collection = client.db(uniqueName('group')).collection<{ _id: string; n: number }>('docs');
      await collection.insertOne({ _id: 'taken', n: 0 });
      const insert = createGroupInsert(collection);
      // the first insert goes alone; the five queued behind it are sent together as one insertMany
      const first = insert({ _id: 'first', n: 1 });
      const grouped = [
        insert({ _id: 'a', n: 2 }),
        // an array `_id`: refused by MongoDB and FerretDB alike
        insert({ _id: ['refused'] as unknown as string, n: 3 }),
        insert({ _id: 'taken', n: 4 }),
        insert({ _id: 'b', n: 5 }),
      ];
      const settled = await Promise.allSettled([first, ...grouped]);
      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : 'rejected'))).toEqual([
        'inserted',
        'inserted',
        'rejected',
        'duplicate',
        'inserted',
      ]);
      expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(MongoServerError);
      expect((await collection.find({}).toArray()).map((d) => d._id).sort()).toEqual(['a', 'b', 'first', 'taken']);
    });
  });
});
