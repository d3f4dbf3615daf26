import { IdempotencyKeyReusedError, RuleViolationError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import type { Decider } from './decider.ts';
import type { EventStore } from './eventStore.ts';
import { handleCommand } from './handleCommand.ts';
import { counter, meta, type Counter, type CounterCommand, type CounterEvent } from './testCounter.ts';

/** The counter, refusing to add a negative amount: a command that fails to decide. */
const strict: Decider<CounterCommand, CounterEvent, Counter> = {
  ...counter,
  decide: (command, state) => {
    if (command.type === 'Add' && command.by < 0) throw new RuleViolationError(`cannot add ${command.by}`);
    return counter.decide(command, state);
  },
};

/** Counts the appends and stream reads a store is asked for. */
const counting = (store: EventStore) => {
  const calls = { append: 0, readStream: 0, readSnapshot: 0 };
  const wrapped: EventStore = {
    ...store,
    append: (...args) => {
      calls.append += 1;
      return store.append(...args);
    },
    readStream: (...args) => {
      calls.readStream += 1;
      return store.readStream(...args);
    },
    readSnapshot: (...args) => {
      calls.readSnapshot += 1;
      return store.readSnapshot(...args);
    },
  };
  return { store: wrapped, calls };
};

/**
 * `handleCommand` on one stream of one process: concurrent commands wait for each other and are decided together,
 * on one load, into one append, each keeping its own outcome and its own idempotency.
 */
export const describeCommandGroups = (name: string, makeStore: () => Promise<EventStore>): void => {
  describe(`${name} event store: concurrent commands of one stream`, () => {
    it('are decided together in their order and appended in one batch, each with its own outcome', async () => {
      const { store, calls } = counting(await makeStore());
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          handleCommand(store, counter, { streamId: 'grouped-1', command: { type: 'Add', by: i + 1 }, metadata: meta(`g1-${i}`) }),
        ),
      );
      // the first is handled alone; the nine that came while it was in hand go together, on the state it left (no read)
      expect(calls.append).toBe(2);
      expect(calls.readStream).toBe(1);
      expect(results.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(results.map((r) => (r.state as { count: number }).count)).toEqual([1, 3, 6, 10, 15, 21, 28, 36, 45, 55]);
      expect(results.map((r) => r.events.map((e) => [e.version, e.data['by'], e.metadata.commandId]))).toEqual(
        Array.from({ length: 10 }, (_, i) => [[i + 1, i + 1, `g1-${i}`]]),
      );
      const slice = await store.readStream('grouped-1');
      expect(slice.events.map((e) => e.metadata.commandId)).toEqual(Array.from({ length: 10 }, (_, i) => `g1-${i}`));
    });

    it('each stays idempotent: a retry of any one of them is a duplicate with its own events only', async () => {
      const store = await makeStore();
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          handleCommand(store, counter, { streamId: 'grouped-2', command: { type: 'Add', by: 1 }, metadata: meta(`g2-${i}`) }),
        ),
      );
      for (let i = 0; i < 6; i++) {
        const again = await handleCommand(store, counter, {
          streamId: 'grouped-2',
          command: { type: 'Add', by: 1 },
          metadata: meta(`g2-${i}`),
        });
        expect(again.duplicate).toBe(true);
        expect(again.events.map((e) => [e.version, e.metadata.commandId])).toEqual([[i + 1, `g2-${i}`]]);
        expect(await store.findCommand(`g2-${i}`)).toMatchObject({ streamId: 'grouped-2' });
      }
      expect((await store.readStream('grouped-2')).version).toBe(6);
    });

    it('take effect once when one command id comes several times at once, and refuse it with another body', async () => {
      const store = await makeStore();
      const same = { ...meta('g3-same'), fingerprint: 'body-1' };
      const results = await Promise.allSettled([
        handleCommand(store, counter, { streamId: 'grouped-3', command: { type: 'Add', by: 100 }, metadata: meta('g3-other') }),
        ...Array.from({ length: 4 }, () =>
          handleCommand(store, counter, { streamId: 'grouped-3', command: { type: 'Add', by: 1 }, metadata: same }),
        ),
        handleCommand(store, counter, {
          streamId: 'grouped-3',
          command: { type: 'Add', by: 5 },
          metadata: { ...same, fingerprint: 'body-2' },
        }),
      ]);
      const fulfilled = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(fulfilled).toHaveLength(5);
      expect(fulfilled.filter((r) => !r.duplicate).map((r) => r.events[0]?.metadata.commandId)).toEqual(['g3-other', 'g3-same']);
      const last = results.at(-1);
      expect(last?.status === 'rejected' && last.reason instanceof IdempotencyKeyReusedError).toBe(true);
      const slice = await store.readStream('grouped-3');
      expect(slice.events.map((e) => e.data['by'])).toEqual([100, 1]);
    });

    it('fail one by one: a command that cannot be decided is refused alone and the others take effect', async () => {
      const store = await makeStore();
      const results = await Promise.allSettled(
        [3, 4, -1, 5].map((by, i) =>
          handleCommand(store, strict, { streamId: 'grouped-4', command: { type: 'Add', by }, metadata: meta(`g4-${i}`) }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readStream('grouped-4')).events.map((e) => e.data['by'])).toEqual([3, 4, 5]);
      expect(await store.findCommand('g4-2')).toBeUndefined();
    });

    it('start from the state this process last saw: no snapshot read, and what another writer appended is folded in', async () => {
      const { store, calls } = counting(await makeStore());
      await handleCommand(store, counter, { streamId: 'grouped-6', command: { type: 'Add', by: 1 }, metadata: meta() });
      expect(calls.readSnapshot).toBe(1);
      // another writer (or process) appends behind this one's back
      const [added] = counter.decide({ type: 'Add', by: 10 }, counter.initialState());
      await store.append('grouped-6', [{ ...added!, metadata: { ...meta(), eventId: 'e-other', causationId: 'c' } }], {
        expectedVersion: 1,
      });
      const next = await handleCommand(store, counter, { streamId: 'grouped-6', command: { type: 'Add', by: 100 }, metadata: meta() });
      expect(calls.readSnapshot).toBe(1);
      expect(next).toMatchObject({ version: 3, state: { count: 111 } });
    });

    it('decide a new command on the state this process last saw without a read; a batch another writer appended meanwhile fails the append and the command is decided again on what was read', async () => {
      const { store, calls } = counting(await makeStore());
      await handleCommand(store, counter, { streamId: 'grouped-7', command: { type: 'Add', by: 1 }, metadata: meta() });
      const reads = calls.readStream;
      const second = await handleCommand(store, counter, { streamId: 'grouped-7', command: { type: 'Add', by: 2 }, metadata: meta() });
      expect(calls.readStream).toBe(reads);
      expect(second).toMatchObject({ version: 2, state: { count: 3 } });
      // the same command again (a redelivery) is known by its record: nothing appended, its first events answered
      const again = await handleCommand(store, counter, {
        streamId: 'grouped-7',
        command: { type: 'Add', by: 2 },
        metadata: meta(second.events[0]!.metadata.commandId),
      });
      expect(again).toMatchObject({ duplicate: true, version: 2, events: [{ version: 2, data: { by: 2 } }] });
      // behind this process's back: the stream is closed
      const [closed] = counter.decide({ type: 'Close' }, { count: 3, closed: false });
      await store.append('grouped-7', [{ ...closed!, metadata: { ...meta(), eventId: 'e-close', causationId: 'c' } }], {
        expectedVersion: 2,
      });
      const late = await handleCommand(store, counter, {
        streamId: 'grouped-7',
        command: { type: 'Add', by: 4 },
        metadata: meta('g7-late'),
      });
      // decided Added on the state it remembered, refused by the append, decided again on the read state: nothing
      expect(late).toMatchObject({ events: [], version: 3, duplicate: false });
      expect(await store.findCommand('g7-late')).toMatchObject({ decidedNothing: true });
      expect((await store.readStream('grouped-7')).events.map((e) => e.type)).toEqual(['Added', 'Added', 'Closed']);
    });

    it('record a command that decided nothing on the group state only once that state is committed', async () => {
      const store = await makeStore();
      const [close, add] = await Promise.all([
        handleCommand(store, counter, { streamId: 'grouped-5', command: { type: 'Add', by: 1 }, metadata: meta('g5-first') }),
        handleCommand(store, counter, { streamId: 'grouped-5', command: { type: 'Close' }, metadata: meta('g5-close') }),
        handleCommand(store, counter, { streamId: 'grouped-5', command: { type: 'Add', by: 1 }, metadata: meta('g5-after-close') }),
      ]).then((r) => [r[1], r[2]]);
      expect(close?.events.map((e) => e.type)).toEqual(['Closed']);
      expect(add).toMatchObject({ events: [], duplicate: false });
      expect(await store.findCommand('g5-after-close')).toMatchObject({ decidedNothing: true });
    });
  });
};
