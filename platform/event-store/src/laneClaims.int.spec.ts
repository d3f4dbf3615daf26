import { uniqueName } from '@waggle/testing';
import { MongoClient, type Collection } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLaneClaims, outboxKey, type OutboxDoc } from './laneClaims.ts';

const client = new MongoClient(inject('stack').mongoUrl);
afterAll(async () => {
  await client.close();
});

const entry = (name: string) => (seq: number) => ({ _id: outboxKey(0, seq), body: name });
// an entry every server refuses (an array `_id`), as a server may refuse any one document of an insert
const refused = () => ({ _id: ['refused'] as unknown as string, body: 'refused' });

/** A lane's entries as `[_id, body]`, in seq order. */
const lane = async (outbox: Collection<OutboxDoc>): Promise<[string, string | undefined][]> =>
  (await outbox.find({}).toArray())
    .map((d): [string, string | undefined] => [d._id, 'body' in d ? d.body : undefined])
    .sort((a, b) => Number(a[0].split(':')[1]) - Number(b[0].split(':')[1]));

describe('outbox seq claims', () => {
  describe('given a claim whose entry the server refuses, among others of its lane sent together', () => {
    it('leaves no hole: the claims after it take the next seqs, and a later claim lands after every one of them', async () => {
      const outbox = client.db(uniqueName('claims')).collection<OutboxDoc>('outbox');
      const claims = createLaneClaims(outbox);
      // the first claim goes alone; the four that queue behind it are sent together, the refused one second
      const first = claims.claim(0, entry('a'));
      const grouped = [claims.claim(0, entry('b')), claims.claim(0, refused), claims.claim(0, entry('c')), claims.claim(0, entry('d'))];
      const settled = await Promise.allSettled([first, ...grouped]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))).toEqual([1, 2, 3, 4]);
      // a late claim, from this process and from another one that knows nothing of this lane
      expect(await claims.claim(0, entry('late'))).toBe(5);
      expect(await createLaneClaims(outbox).claim(0, entry('later'))).toBe(6);
      expect(await lane(outbox)).toEqual([
        ['0:1', 'a'],
        ['0:2', 'b'],
        ['0:3', 'c'],
        ['0:4', 'd'],
        ['0:5', 'late'],
        ['0:6', 'later'],
      ]);
    });
  });

  it('sends the claims of several lanes together; a refused entry of one lane stops none of another lane for good', async () => {
    const outbox = client.db(uniqueName('claims')).collection<OutboxDoc>('outbox');
    const claims = createLaneClaims(outbox);
    const on = (lane: number, name: string) => (seq: number) => ({ _id: outboxKey(lane, seq), body: name });
    const first = claims.claim(2, on(2, 'first'));
    // lane 0's entries go before lane 1's in the insert that follows: the refused one stops those after it
    const settled = await Promise.allSettled([
      first,
      claims.claim(0, on(0, 'a')),
      claims.claim(0, refused),
      claims.claim(0, on(0, 'b')),
      claims.claim(1, on(1, 'x')),
      claims.claim(1, on(1, 'y')),
    ]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : 'rejected'))).toEqual([1, 1, 'rejected', 2, 1, 2]);
    expect((await lane(outbox)).map(([id, body]) => `${id}=${body}`).sort()).toEqual(['0:1=a', '0:2=b', '1:1=x', '1:2=y', '2:1=first']);
  });

  it('claims of two processes on one lane never take one seq twice and leave no gap', async () => {
    const outbox = client.db(uniqueName('claims')).collection<OutboxDoc>('outbox');
    const writers = [createLaneClaims(outbox), createLaneClaims(outbox)];
    const seqs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => writers[i % 2]!.claim(0, (seq) => ({ _id: outboxKey(0, seq), body: `w${i}` }))),
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await lane(outbox)).map(([id]) => id)).toEqual(Array.from({ length: 40 }, (_, i) => `0:${i + 1}`));
  });
});
