import { randomUUID } from 'node:crypto';
import { ConcurrencyError, IdempotencyKeyReusedError, TransientError, ValidationError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import { laneOf, type EventStore, type NewEvent } from './eventStore.ts';
import { handleCommand } from './handleCommand.ts';
import { counter, meta } from './testCounter.ts';

const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({
  type,
  data,
  metadata: { eventId: randomUUID(), correlationId: 'corr-1', causationId: 'cause-1', occurredAt: '2026-11-25T10:00:00.000Z' },
});

/** Every batch of every lane as `stream:version:type`, read as the relay reads them. */
const outboxOf = async (store: EventStore): Promise<string[]> => {
  const seen: string[] = [];
  for (let lane = 0; lane < store.lanes; lane++) {
    for (let after = 0; ;) {
      const read = await store.readOutbox(lane, after, { limit: 16, orphanAfterMs: 60_000 });
      for (const b of read.batches) for (const e of b.events) seen.push(`${b.streamId}:${e.version}:${e.type}`);
      if (read.throughSeq === after) break;
      after = read.throughSeq;
    }
  }
  return seen.sort();
};

/**
 * The behaviour every EventStore adapter must show; run against the Mongo adapter and the in-memory twin.
 * `reopen` gives another store on the same data (another process's view), or the same one for a store that
 * lives in one process.
 */
export const describeEventStoreContract = (
  name: string,
  makeStore: () => Promise<EventStore>,
  reopen: (store: EventStore) => Promise<EventStore> = (store) => Promise.resolve(store),
): void => {
  describe(`${name} event store`, () => {
    describe('given a new stream', () => {
      it('appends a batch atomically and reads it back with versions 1..n in order', async () => {
        const store = await makeStore();
        const result = await store.append('booking-1', [event('A', { n: 1 }), event('B', { n: 2 }), event('C', { n: 3 })], {
          expectedVersion: 0,
        });
        expect(result).toMatchObject({ fromVersion: 1, toVersion: 3 });
        const slice = await store.readStream('booking-1');
        expect(slice.version).toBe(3);
        expect(slice.events.map((e) => [e.type, e.version, e.data['n']])).toEqual([
          ['A', 1, 1],
          ['B', 2, 2],
          ['C', 3, 3],
        ]);
        expect(slice.events[0]?.metadata.correlationId).toBe('corr-1');
      });

      it('reads an unknown stream as empty at version 0', async () => {
        const store = await makeStore();
        expect(await store.readStream('nobody')).toMatchObject({ events: [], version: 0 });
      });

      it('refuses an empty batch and a negative expected version', async () => {
        const store = await makeStore();
        await expect(store.append('s', [], { expectedVersion: 0 })).rejects.toBeInstanceOf(ValidationError);
        await expect(store.append('s', [event('A')], { expectedVersion: -1 })).rejects.toBeInstanceOf(ValidationError);
      });

      it('refuses a batch too large for the store with a ValidationError, alone: the appends beside it go in', async () => {
        const store = await makeStore();
        const big = event('Big', { blob: 'x'.repeat(17 * 1024 * 1024) });
        const results = await Promise.allSettled([
          ...['n1', 'n2', 'n3'].map((s) => store.append(s, [event('A')], { expectedVersion: 0 })),
          store.append('big', [big], { expectedVersion: 0 }),
          ...['n4', 'n5', 'n6'].map((s) => store.append(s, [event('A')], { expectedVersion: 0 })),
        ]);
        expect(results.map((r) => r.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'fulfilled',
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);
        expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
        expect((await store.readStream('big')).version).toBe(0);
        expect(await outboxOf(store)).toEqual(['n1:1:A', 'n2:1:A', 'n3:1:A', 'n4:1:A', 'n5:1:A', 'n6:1:A']);
      });

      it('refuses event data JSON cannot hold, appending nothing, and keeps a copy the caller cannot change later', async () => {
        const store = await makeStore();
        const notJson = { ...event('A'), data: { seats: 2n } };
        await expect(store.append('json-1', [notJson], { expectedVersion: 0 })).rejects.toThrow(/event data must be JSON/);
        expect((await store.readStream('json-1')).version).toBe(0);
        const mutable = { ...event('B'), data: { seats: 2, passengers: ['Ada'] } };
        await store.append('json-1', [mutable], { expectedVersion: 0 });
        mutable.data.passengers.push('Grace');
        expect((await store.readStream('json-1')).events[0]?.data).toEqual({ seats: 2, passengers: ['Ada'] });
      });
    });

    describe('given a stream at version 2', () => {
      const atTwo = async () => {
        const store = await makeStore();
        await store.append('s-2', [event('A')], { expectedVersion: 0 });
        await store.append('s-2', [event('B')], { expectedVersion: 1 });
        return store;
      };

      it('rejects an append expecting an older version with a retriable ConcurrencyError', async () => {
        const store = await atTwo();
        const failure = store.append('s-2', [event('X')], { expectedVersion: 1 });
        await expect(failure).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(failure).rejects.toMatchObject({ retriable: true, streamId: 's-2' });
        expect((await store.readStream('s-2')).version).toBe(2);
      });

      it('rejects an append expecting a version the stream has not reached, storing nothing', async () => {
        const store = await atTwo();
        await expect(store.append('s-2', [event('X')], { expectedVersion: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.append('s-2', [event('X')], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.append('empty', [event('X')], { expectedVersion: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream('s-2')).version).toBe(2);
        expect((await store.readStream('empty', { fromVersion: 5 })).events).toEqual([]);
        expect(await outboxOf(store)).toEqual(['s-2:1:A', 's-2:2:B']);
        // and the stream takes its next version as usual
        await store.append('s-2', [event('C')], { expectedVersion: 2 });
        expect((await store.readStream('s-2')).version).toBe(3);
      });

      it('rejects an append expecting a version inside a batch (a second, different version)', async () => {
        const store = await atTwo();
        await store.append('s-2', [event('C'), event('D'), event('E')], { expectedVersion: 2 });
        await expect(store.append('s-2', [event('X')], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.append('s-2', [event('X')], { expectedVersion: 4 })).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream('s-2')).events.map((e) => `${e.version}${e.type}`)).toEqual(['1A', '2B', '3C', '4D', '5E']);
        expect((await store.readStream('s-2', { fromVersion: 3 })).events).toEqual([]);
        expect(await outboxOf(store)).toEqual(['s-2:1:A', 's-2:2:B', 's-2:3:C', 's-2:4:D', 's-2:5:E']);
      });

      it('rejects an expected version ahead of the stream or inside a batch from a store that never read the stream', async () => {
        const store = await atTwo();
        await store.append('s-2', [event('C'), event('D')], { expectedVersion: 2 });
        const other = await reopen(store);
        await expect(other.append('s-2', [event('X')], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(other.append('s-2', [event('X')], { expectedVersion: 7 })).rejects.toBeInstanceOf(ConcurrencyError);
        await other.append('s-2', [event('F')], { expectedVersion: 4 });
        expect((await store.readStream('s-2')).events.map((e) => `${e.version}${e.type}`)).toEqual(['1A', '2B', '3C', '4D', '5F']);
      });

      it('reads from a version', async () => {
        const store = await atTwo();
        await store.append('s-2', [event('C'), event('D')], { expectedVersion: 2 });
        const slice = await store.readStream('s-2', { fromVersion: 2 });
        expect(slice.events.map((e) => e.type)).toEqual(['C', 'D']);
        expect(slice.version).toBe(4);
      });

      it('lets exactly one of many concurrent appends with the same expected version win', async () => {
        const store = await atTwo();
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.append('s-2', [event(`W${i}`), event(`W${i}b`)], { expectedVersion: 2 })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(7);
        for (const r of lost) expect(r.reason).toBeInstanceOf(ConcurrencyError);
        const slice = await store.readStream('s-2');
        expect(slice.version).toBe(4);
        expect(slice.events.slice(2).map((e) => e.type[0])).toEqual(['W', 'W']);
      });
    });

    describe('the outbox', () => {
      it('holds every committed batch exactly once, in stream order within its lane, and no batch that lost a race', async () => {
        const store = await makeStore();
        const streams = ['a', 'b', 'c', 'd', 'e', 'f'];
        for (const s of streams) await store.append(s, [event('One')], { expectedVersion: 0 });
        await Promise.allSettled(streams.map((s) => store.append(s, [event('Loser')], { expectedVersion: 0 })));
        await Promise.all(streams.map((s) => store.append(s, [event('Two'), event('Three')], { expectedVersion: 1 })));
        const seen: string[] = [];
        for (let lane = 0; lane < store.lanes; lane++) {
          let after = 0;
          for (;;) {
            const read = await store.readOutbox(lane, after, { limit: 4, orphanAfterMs: 60_000 });
            for (const b of read.batches) for (const e of b.events) seen.push(`${b.streamId}:${e.version}:${e.type}`);
            if (read.throughSeq === after) break;
            after = read.throughSeq;
          }
        }
        for (const s of streams) expect(seen.filter((x) => x.startsWith(`${s}:`))).toEqual([`${s}:1:One`, `${s}:2:Two`, `${s}:3:Three`]);
        expect(seen.some((x) => x.includes('Loser'))).toBe(false);
      });
    });

    describe('outbox cursors', () => {
      it('start at 0 and only move forward', async () => {
        const store = await makeStore();
        expect(await store.readOutboxCursor(1)).toBe(0);
        await store.advanceOutboxCursor(1, 7);
        await store.advanceOutboxCursor(1, 3);
        expect(await store.readOutboxCursor(1)).toBe(7);
        expect(await store.readOutboxCursor(0)).toBe(0);
      });
    });

    describe('outbox heads', () => {
      it('are the last seq taken in each lane', async () => {
        const store = await makeStore();
        const lane = laneOf('head-1', store.lanes);
        expect(await store.readOutboxHead(lane)).toBe(0);
        for (let v = 0; v < 5; v++) await store.append('head-1', [event('E')], { expectedVersion: v });
        expect(await store.readOutboxHead(lane)).toBe(5);
        expect(await store.readOutboxHead((lane + 1) % store.lanes)).toBe(0);
      });
    });

    describe('snapshots and commands', () => {
      it('keeps the latest snapshot of a stream', async () => {
        const store = await makeStore();
        await store.writeSnapshot({ streamId: 'snap', version: 5, schemaVersion: 1, state: { count: 5 } });
        expect(await store.readSnapshot('snap')).toEqual({ streamId: 'snap', version: 5, schemaVersion: 1, state: { count: 5 } });
        expect(await store.readSnapshot('none')).toBeUndefined();
      });

      it('keeps a snapshot whose state has keys with dots and dollars (booking ids), as JSON', async () => {
        const store = await makeStore();
        const state = { bookings: { 'bkg.1': { seats: 2 }, $odd: 1 }, at: '2026-11-25T10:00:00.000Z' };
        await store.writeSnapshot({ streamId: 'flight.LH400', version: 3, schemaVersion: 1, state });
        expect(await store.readSnapshot('flight.LH400')).toEqual({ streamId: 'flight.LH400', version: 3, schemaVersion: 1, state });
      });

      it('keeps the first record of a command id and returns it to a later one', async () => {
        const store = await makeStore();
        expect(await store.recordCommand({ commandId: 'cmd-1', streamId: 's', afterVersion: 0, fingerprint: 'f1' })).toBeUndefined();
        expect(await store.recordCommand({ commandId: 'cmd-1', streamId: 's', afterVersion: 5, fingerprint: 'f2' })).toEqual({
          commandId: 'cmd-1',
          streamId: 's',
          afterVersion: 0,
          fingerprint: 'f1',
        });
        await store.recordDecidedNothing('cmd-1');
        expect(await store.findCommand('cmd-1')).toEqual({
          commandId: 'cmd-1',
          streamId: 's',
          afterVersion: 0,
          fingerprint: 'f1',
          decidedNothing: true,
        });
      });
    });

    describe('handleCommand', () => {
      it('folds, decides and appends; a repeated command id appends nothing and returns the first outcome', async () => {
        const store = await makeStore();
        const first = await handleCommand(store, counter, {
          streamId: 'counter-1',
          command: { type: 'Add', by: 2 },
          metadata: meta('cmd-a'),
        });
        expect(first).toMatchObject({ version: 1, state: { count: 2 }, duplicate: false });
        expect(first.events[0]?.metadata).toMatchObject({ commandId: 'cmd-a', causationId: 'cmd-a', correlationId: 'corr-1' });
        const again = await handleCommand(store, counter, {
          streamId: 'counter-1',
          command: { type: 'Add', by: 2 },
          metadata: meta('cmd-a'),
        });
        expect(again).toMatchObject({ version: 1, state: { count: 2 }, duplicate: true });
        expect(again.events.map((e) => e.metadata.eventId)).toEqual(first.events.map((e) => e.metadata.eventId));
        expect((await store.readStream('counter-1')).version).toBe(1);
      });

      it('tells a retry (same fingerprint) from a reused command id with another request', async () => {
        const store = await makeStore();
        const metadata = { ...meta('cmd-key'), fingerprint: 'body-1' };
        await handleCommand(store, counter, { streamId: 'counter-6', command: { type: 'Add', by: 1 }, metadata });
        expect(await handleCommand(store, counter, { streamId: 'counter-6', command: { type: 'Add', by: 1 }, metadata })).toMatchObject({
          duplicate: true,
        });
        await expect(
          handleCommand(store, counter, {
            streamId: 'counter-6',
            command: { type: 'Add', by: 5 },
            metadata: { ...metadata, fingerprint: 'body-2' },
          }),
        ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
        expect((await store.readStream('counter-6')).version).toBe(1);
      });

      it('returns the first outcome of a command that decided nothing, even after the state changed', async () => {
        const store = await makeStore();
        await handleCommand(store, counter, { streamId: 'counter-2', command: { type: 'Close' }, metadata: meta() });
        const noop = await handleCommand(store, counter, {
          streamId: 'counter-2',
          command: { type: 'Add', by: 1 },
          metadata: meta('cmd-n'),
        });
        expect(noop.events).toEqual([]);
        const again = await handleCommand(store, counter, {
          streamId: 'counter-2',
          command: { type: 'Add', by: 1 },
          metadata: meta('cmd-n'),
        });
        expect(again).toMatchObject({ duplicate: true, events: [], version: 1 });
      });

      it('recognises a command whose first attempt appended but died before recording its outcome', async () => {
        const store = await makeStore();
        await store.append(
          'counter-3',
          [{ ...event('Added', { by: 7 }), metadata: { ...event('x').metadata, commandId: 'cmd-crashed' } }],
          {
            expectedVersion: 0,
            commandId: 'cmd-crashed',
          },
        );
        const retried = await handleCommand(store, counter, {
          streamId: 'counter-3',
          command: { type: 'Add', by: 7 },
          metadata: meta('cmd-crashed'),
        });
        expect(retried).toMatchObject({ duplicate: true, version: 1, state: { count: 7 } });
        expect(await store.findCommand('cmd-crashed')).toMatchObject({ streamId: 'counter-3', afterVersion: 0 });
      });

      it('recognises a command however many commands came after it, even when its first attempt died right after appending', async () => {
        const store = await makeStore();
        const dying: EventStore = {
          ...store,
          append: async (...args) => {
            await store.append(...args);
            throw new Error('the process died right after appending');
          },
        };
        const first = { streamId: 'counter-7', command: { type: 'Add', by: 5 } as const, metadata: meta('cmd-early') };
        await expect(handleCommand(dying, counter, first)).rejects.toThrow(/died/);
        for (let i = 0; i < 60; i++) {
          await handleCommand(store, counter, { streamId: 'counter-7', command: { type: 'Add', by: 1 }, metadata: meta() });
        }
        const retried = await handleCommand(store, counter, first);
        expect(retried).toMatchObject({ duplicate: true, version: 61, state: { count: 65 } });
        expect(retried.events.map((e) => [e.version, e.data['by']])).toEqual([[1, 5]]);
        expect((await store.readStream('counter-7')).version).toBe(61);
      });

      it('answers concurrent requests with one key and different bodies once each: one takes effect, the other is refused', async () => {
        const store = await makeStore();
        for (let round = 0; round < 4; round++) {
          const streamId = `counter-race-${round}`;
          const results = await Promise.allSettled(
            [1, 2].map((by) =>
              handleCommand(store, counter, {
                streamId,
                command: { type: 'Add', by },
                metadata: { ...meta(`cmd-race-${round}`), fingerprint: `body-${by}` },
              }),
            ),
          );
          const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i + 1] : []));
          expect(won).toHaveLength(1);
          const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          expect(lost?.reason).toBeInstanceOf(IdempotencyKeyReusedError);
          expect((await store.findCommand(`cmd-race-${round}`))?.fingerprint).toBe(`body-${won[0]}`);
          expect((await store.readStream(streamId)).events.map((e) => e.data['by'])).toEqual([won[0]]);
        }
      });

      it('never fails a committed command when its snapshot cannot be written, and reports it', async () => {
        const store = await makeStore();
        const noSnapshots: EventStore = { ...store, writeSnapshot: () => Promise.reject(new TransientError('snapshots are unavailable')) };
        const warned: Record<string, unknown>[] = [];
        const logger = { warn: (fields: Record<string, unknown>) => warned.push(fields) };
        const result = await handleCommand(
          noSnapshots,
          counter,
          { streamId: 'counter-9', command: { type: 'Add', by: 3 }, metadata: meta() },
          { snapshotEvery: 1, logger },
        );
        expect(result).toMatchObject({ version: 1, duplicate: false, state: { count: 3 } });
        expect(warned).toEqual([expect.objectContaining({ streamId: 'counter-9', version: 1 })]);
        expect((await store.readStream('counter-9')).version).toBe(1);
      });

      it('retries on conflicts so that concurrent commands on one stream all take effect once', async () => {
        const store = await makeStore();
        const results = await Promise.all(
          Array.from({ length: 12 }, () =>
            handleCommand(
              store,
              counter,
              { streamId: 'counter-4', command: { type: 'Add', by: 1 }, metadata: meta() },
              { maxAttempts: 50 },
            ),
          ),
        );
        expect(results.every((r) => !r.duplicate)).toBe(true);
        const slice = await store.readStream('counter-4');
        expect(slice.version).toBe(12);
        expect(new Set(slice.events.map((e) => e.metadata.commandId)).size).toBe(12);
      });

      it('writes a snapshot every N events and loads from it', async () => {
        const store = await makeStore();
        for (let i = 0; i < 7; i++) {
          await handleCommand(
            store,
            counter,
            { streamId: 'counter-5', command: { type: 'Add', by: 1 }, metadata: meta(`snap-${i}`) },
            { snapshotEvery: 3 },
          );
        }
        expect(await store.readSnapshot('counter-5')).toMatchObject({ version: 6, state: { count: 6 } });
        const next = await handleCommand(
          store,
          counter,
          { streamId: 'counter-5', command: { type: 'Add', by: 1 }, metadata: meta() },
          { snapshotEvery: 3 },
        );
        expect(next).toMatchObject({ version: 8, state: { count: 8 } });
        const repeated = await handleCommand(
          store,
          counter,
          { streamId: 'counter-5', command: { type: 'Add', by: 1 }, metadata: meta('snap-5') },
          { snapshotEvery: 3 },
        );
        expect(repeated.duplicate).toBe(true);
      });
    });
  });
};
