import { uniqueName } from '@waggle/testing';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { NewEvent } from './eventStore.ts';
import { createMongoEventStore } from './mongoEventStore.ts';

const monitored = new MongoClient(inject('stack').mongoUrl, { monitorCommands: true });
afterAll(() => monitored.close());

const events = (from: number, count: number): NewEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'Counted',
    data: { n: from + i },
    metadata: { eventId: `e${from + i}`, correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
  }));

/** The `find` commands sent on `collection` while `work` runs. */
const findsOn = async (db: Db, collection: string, work: () => Promise<unknown>): Promise<number> => {
  let finds = 0;
  const count = (e: { commandName: string; databaseName: string; command: Record<string, unknown> }): void => {
    if (e.commandName === 'find' && e.databaseName === db.databaseName && e.command['find'] === collection) finds++;
  };
  monitored.on('commandStarted', count);
  try {
    await work();
  } finally {
    monitored.off('commandStarted', count);
  }
  return finds;
};

describe('event store reads on the real server', () => {
  describe('given a stream of 61 batches, one of them 40 events long across the read windows', () => {
    it('reads it in a few windows of keys (not a lookup per batch), and in one once the head is known', async () => {
      const db = monitored.db(uniqueName('es-reads'));
      const writer = createMongoEventStore({ db, lanes: 2 });
      await writer.start();
      let version = 0;
      for (const size of [...Array<number>(50).fill(1), 40, ...Array<number>(10).fill(1)]) {
        version = (await writer.append('long-1', events(version + 1, size), { expectedVersion: version })).toVersion;
      }
      // another process: it knows nothing of the stream's head
      const reader = createMongoEventStore({ db, lanes: 2 });
      let slice = await reader.readStream('long-1');
      const warm = await findsOn(db, 'streams', async () => (slice = await reader.readStream('long-1')));
      expect(slice.version).toBe(100);
      expect(slice.events.map((e) => e.data['n'])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(slice.events.map((e) => e.version)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));

      const fresh = createMongoEventStore({ db, lanes: 2 });
      expect(await findsOn(db, 'streams', () => fresh.readStream('long-1'))).toBeLessThanOrEqual(3);
      expect(warm).toBe(1);
      let tail = await reader.readStream('long-1', { fromVersion: 50 });
      expect(await findsOn(db, 'streams', async () => (tail = await reader.readStream('long-1', { fromVersion: 50 })))).toBe(1);
      expect(tail.events.map((e) => e.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 51));
      expect(tail.version).toBe(100);
      expect((await reader.readStream('long-1', { fromVersion: 100 })).events).toEqual([]);
    });
  });

  describe('given a lane read at its head (an idle relay poll)', () => {
    it('asks the server once: the key after the window tells whether a later seq is taken', async () => {
      const db = monitored.db(uniqueName('es-reads'));
      const store = createMongoEventStore({ db, lanes: 1 });
      await store.start();
      await store.append('s-1', events(1, 1), { expectedVersion: 0 });
      const finds = await findsOn(db, 'outbox', async () => {
        expect(await store.readOutbox(0, 1, { limit: 1, orphanAfterMs: 60_000 })).toEqual({ batches: [], throughSeq: 1 });
      });
      expect(finds).toBe(1);
    });
  });
});
