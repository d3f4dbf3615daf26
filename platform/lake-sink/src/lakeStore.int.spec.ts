import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTestLake, s3TestLake, startS3TestServer, type S3TestServer, type TestLake } from '../fixtures/testLakes.ts';

let s3: S3TestServer | undefined;
// the first run on a machine builds versitygw (minutes); later ones find it in the cache
beforeAll(async () => {
  s3 = await startS3TestServer();
}, 900_000);
afterAll(async () => {
  await s3?.stop();
});

const newLake = async (kind: 'file' | 's3'): Promise<TestLake> => {
  if (kind === 'file') return fileTestLake();
  if (s3 === undefined) throw new Error('the S3 test server did not start');
  return s3TestLake(s3);
};

// one contract for both stores: the sink's exactly-once protocol relies on nothing else
describe.each(['file', 's3'] as const)('a %s lake store', (kind) => {
  it('creates a name exclusively once: a second writer is told it exists, and the first text stays', async () => {
    const { store } = await newLake(kind);
    const key = '_manifest/topic=a.events/p0/00000000000000000000.json';
    expect(await store.createExclusive(key, 'first')).toBe(true);
    expect(await store.createExclusive(key, 'second')).toBe(false);
    expect(await store.readText(key)).toBe('first');
    expect(await store.readText('_manifest/topic=a.events/p0/none.json')).toBeUndefined();
    if (kind === 's3') {
      // an entry never changes: once read, the next process on this machine reads it from the cache
      expect(await store.readText(key, { immutable: true })).toBe('first');
      await store.remove(key);
      expect(await store.readText(key, { immutable: true })).toBe('first');
      expect(await store.readText(key)).toBeUndefined();
    }
  });

  it('stores a file made locally, lists it with its size, moves it once, and reports a gone source', async () => {
    const { store } = await newLake(kind);
    const size = await store.putFile('_staging/x.parquet', (path) => writeFile(path, Buffer.alloc(1234, 7)));
    expect(size).toBe(1234);
    expect((await store.list('_staging/')).map((o) => [o.key, o.size])).toEqual([['_staging/x.parquet', 1234]]);
    // a prefix may end inside a name: how a partition's staged files are found in one listing
    expect((await store.list('_staging/x.')).map((o) => o.key)).toEqual(['_staging/x.parquet']);
    expect(await store.list('_staging/y')).toEqual([]);
    expect(await store.move('_staging/x.parquet', 'events/topic=a.events/date=2026-11-20/a.parquet')).toBe(true);
    expect(await store.exists('_staging/x.parquet')).toBe(false);
    expect(await store.move('_staging/x.parquet', 'events/topic=a.events/date=2026-11-20/a.parquet')).toBe(false);
    expect((await store.list('events/')).map((o) => o.key)).toEqual(['events/topic=a.events/date=2026-11-20/a.parquet']);
  });

  it('leaves nothing behind when making the file fails', async () => {
    const { store } = await newLake(kind);
    await expect(
      store.putFile('_staging/broken.parquet', async (path) => {
        await writeFile(path, 'half');
        throw new Error('the COPY failed');
      }),
    ).rejects.toThrow(/COPY failed/);
    expect(await store.list('_staging/')).toEqual([]);
  });

  it('hands DuckDB a local copy of the right size and refuses one of another size', async () => {
    const { store } = await newLake(kind);
    await store.putFile('events/topic=a.events/date=2026-11-20/b.parquet', (path) => writeFile(path, Buffer.alloc(100, 1)));
    const path = await store.localPath('events/topic=a.events/date=2026-11-20/b.parquet', 100);
    expect(path.startsWith('/')).toBe(true);
    if (kind === 's3') {
      await expect(store.localPath('events/topic=a.events/date=2026-11-20/c.parquet', 100)).rejects.toThrow();
      // an object whose size is not its entry's (a rewrite outside the sink) is not read as if it were
      await store.putFile('events/topic=a.events/date=2026-11-20/d.parquet', (p) => writeFile(p, Buffer.alloc(50, 1)));
      await expect(store.localPath('events/topic=a.events/date=2026-11-20/d.parquet', 60)).rejects.toThrow(/50 bytes.*60/);
      // the cache keeps live files only
      expect(await store.pruneCache(new Set(['events/topic=a.events/date=2026-11-20/d.parquet']))).toBe(1);
    }
  });
});
