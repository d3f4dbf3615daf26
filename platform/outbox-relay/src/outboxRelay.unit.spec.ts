import { randomUUID } from 'node:crypto';
import { createInMemoryEventStore, type EventStore, type NewEvent, type RecordedEvent } from '@waggle/event-store';
import { TransientError } from '@waggle/errors';
import { waitFor } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { createInMemoryRelayLedger } from './inMemoryRelayLedger.ts';
import { createOutboxRelay, type OutgoingRecord } from './outboxRelay.ts';
import type { RelayLedger } from './relayLedger.ts';

const event = (type: string): NewEvent => ({
  type,
  data: {},
  metadata: { eventId: randomUUID(), correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
});
const toRecords = (events: readonly RecordedEvent[]): Promise<OutgoingRecord[]> =>
  Promise.resolve(
    events.map((e) => ({ topic: 'test', key: e.streamId, value: Buffer.from(`${e.streamId}:${e.version}:${e.type}`), headers: {} })),
  );
const cursorOf = async (ledger: RelayLedger, lane: number): Promise<number> =>
  (await ledger.lanes()).find((l) => l.lane === lane)?.cursor ?? 0;
/** A relay whose every idle wait is 10 s: within a test, only a wake makes it read again. */
const wokenOnlyRelay = (store: EventStore, published: string[]) =>
  createOutboxRelay({
    store,
    ledger: createInMemoryRelayLedger(),
    toRecords,
    publish: (records) => Promise.resolve(void published.push(...records.map((r) => r.value.toString()))),
    minIdleMs: 10_000,
    activeIdleMs: 10_000,
    maxIdleMs: 10_000,
  });

describe('outbox relay', () => {
  describe('given appended batches on several streams', () => {
    it('publishes every event once, in stream order, and moves each lane cursor to its end', async () => {
      const store = createInMemoryEventStore({ lanes: 3 });
      const ledger = createInMemoryRelayLedger();
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        ledger,
        toRecords,
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => r.value.toString()))),
      });
      await relay.start();
      for (let v = 0; v < 5; v++)
        for (const s of ['s1', 's2', 's3', 's4']) await store.append(s, [event('E'), event('F')], { expectedVersion: v * 2 });
      relay.wake();
      await waitFor(() => published.length === 40, { description: '40 events published' });
      await relay.stop();
      for (const s of ['s1', 's2', 's3', 's4']) {
        expect(published.filter((p) => p.startsWith(`${s}:`)).map((p) => Number(p.split(':')[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      }
      for (let lane = 0; lane < 3; lane++) {
        expect(await cursorOf(ledger, lane)).toBe((await store.readOutbox(lane, 0, { limit: 1000, orphanAfterMs: 0 })).throughSeq);
      }
    });
  });

  describe('given the broker fails to acknowledge', () => {
    it('retries the same batch, never skips it, and does not move the cursor until it is acknowledged', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      await store.append('s1', [event('B')], { expectedVersion: 1 });
      let failuresLeft = 3;
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        ledger,
        toRecords,
        publish: (records) => {
          if (failuresLeft-- > 0) return Promise.reject(new TransientError('broker unavailable'));
          published.push(...records.map((r) => r.value.toString()));
          return Promise.resolve();
        },
      });
      await relay.start();
      await waitFor(() => relay.status()[0]?.lastError, { description: 'a recorded failure' });
      expect(await cursorOf(ledger, 0)).toBe(0);
      await waitFor(() => published.length === 2, { description: 'the batch after the failures' });
      await relay.stop();
      expect(published).toEqual(['s1:1:A', 's1:2:B']);
      expect(await cursorOf(ledger, 0)).toBe(2);
    });
  });

  describe('given a publish that fails while the next step was already read', () => {
    it('publishes one step at a time and republishes the failed step before anything after it', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      for (let v = 0; v < 6; v++) await store.append('s1', [event(`E${v + 1}`)], { expectedVersion: v });
      const published: string[] = [];
      let publishing = 0;
      let overlapped = false;
      let failSecond = true;
      const relay = createOutboxRelay({
        store,
        ledger,
        toRecords,
        batchLimit: 1,
        publish: async (records) => {
          overlapped ||= publishing > 0;
          publishing += 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
          publishing -= 1;
          if (records[0]?.value.toString() === 's1:2:E2' && failSecond) {
            failSecond = false;
            throw new TransientError('broker unavailable');
          }
          published.push(...records.map((r) => r.value.toString()));
        },
      });
      await relay.start();
      await waitFor(() => published.length === 6, { description: 'all six events' });
      await relay.stop();
      expect(overlapped).toBe(false);
      expect(published).toEqual(['s1:1:E1', 's1:2:E2', 's1:3:E3', 's1:4:E4', 's1:5:E5', 's1:6:E6']);
      expect(await cursorOf(ledger, 0)).toBe(6);
    });
  });

  describe('given a broker that does not acknowledge for a while', () => {
    it('shows in its status how long the lane has waited for the acknowledgement, and nothing once it came', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      let acknowledge: () => void = () => {};
      const relay = createOutboxRelay({ store, ledger, toRecords, publish: () => new Promise<void>((resolve) => (acknowledge = resolve)) });
      await relay.start();
      await waitFor(() => (relay.status()[0]?.waitingForAckMs ?? -1) >= 20, { description: 'a lane waiting 20 ms for its ack' });
      expect(relay.status()[0]).toMatchObject({ cursor: 0, published: 0 });
      acknowledge();
      await waitFor(() => relay.status()[0]?.cursor === 1, { description: 'the cursor moved' });
      expect(relay.status()[0]?.waitingForAckMs).toBeUndefined();
      await relay.stop();
    });
  });

  describe('given overlapping lane assignments (rebalances in quick succession)', () => {
    it('ends up running exactly the lanes of the last one', async () => {
      const store = createInMemoryEventStore({ lanes: 4 });
      const ledger = createInMemoryRelayLedger();
      const relay = createOutboxRelay({ store, ledger, toRecords, publish: () => Promise.resolve() });
      await Promise.all([relay.assign([0, 1, 2, 3]), relay.assign([1]), relay.assign([1, 3]), relay.assign([0, 1])]);
      expect(
        relay
          .status()
          .map((l) => l.lane)
          .sort(),
      ).toEqual([0, 1]);
      await relay.stop();
      expect(relay.status()).toEqual([]);
    });
  });

  describe('given a restart', () => {
    it('resumes from the persisted cursor without republishing acknowledged batches', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      const published: string[] = [];
      const publish = (records: readonly OutgoingRecord[]) =>
        Promise.resolve(void published.push(...records.map((r) => r.value.toString())));
      const first = createOutboxRelay({ store, ledger, toRecords, publish });
      await first.start();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      first.wake();
      await waitFor(() => published.length === 1);
      await first.stop();
      await store.append('s1', [event('B')], { expectedVersion: 1 });
      const second = createOutboxRelay({ store, ledger, toRecords, publish });
      await second.start();
      await waitFor(() => published.length === 2);
      await second.stop();
      expect(published).toEqual(['s1:1:A', 's1:2:B']);
    });
  });

  describe('given a second instance that claims a lane while the first is publishing it', () => {
    it('waits for the first to settle its step in flight, and the first publishes nothing after it', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      for (let v = 0; v < 4; v++) await store.append('s1', [event(`E${v + 1}`)], { expectedVersion: v });
      const published: string[] = [];
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = createOutboxRelay({
        store,
        ledger,
        instance: 'first',
        toRecords,
        batchLimit: 1,
        publish: async (records) => {
          await held;
          published.push(...records.map((r) => `first ${r.value.toString()}`));
        },
      });
      await first.start();
      await waitFor(() => (first.status()[0]?.waitingForAckMs ?? -1) >= 0, { description: 'the first step in flight' });
      const second = createOutboxRelay({
        store,
        ledger,
        instance: 'second',
        toRecords,
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => `second ${r.value.toString()}`))),
      });
      await second.start();
      await waitFor(() => second.status()[0]?.epoch === 2, { description: 'the second instance claimed the lane' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(published).toEqual([]);
      release();
      await waitFor(() => published.length === 5, { description: 'the second instance published the lane' });
      expect(first.status()[0]?.state).toBe('fenced');
      // the first's step is published again by the second (its cursor move was fenced), never after it
      expect(published).toEqual(['first s1:1:E1', 'second s1:1:E1', 'second s1:2:E2', 'second s1:3:E3', 'second s1:4:E4']);
      expect(await cursorOf(ledger, 0)).toBe(4);
      await first.stop();
      await second.stop();
    });
  });

  describe('given a publisher paused between reading a step and publishing it, while another instance took the lane', () => {
    it('asks the ledger before publishing and publishes nothing', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      const published: string[] = [];
      let resume: () => void = () => {};
      const paused = new Promise<void>((resolve) => (resume = resolve));
      let reading = false;
      const first = createOutboxRelay({
        store,
        ledger,
        instance: 'first',
        confirmAfterMs: 20,
        toRecords: async (events) => {
          reading = true;
          await paused;
          return toRecords(events);
        },
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => `first ${r.value.toString()}`))),
      });
      await first.start();
      await waitFor(() => reading, { description: 'the first instance read the step' });
      await ledger.claim(0, 'second', 0);
      await new Promise((resolve) => setTimeout(resolve, 30));
      resume();
      await waitFor(() => first.status()[0]?.state === 'fenced', { description: 'the first instance fenced' });
      expect(published).toEqual([]);
      await first.stop();
    });
  });

  describe('given a ledger that cannot be reached when a lane starts', () => {
    it('shows the lane as starting with the reason, retries, and relays it once the ledger answers', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      let down = true;
      const flaky: RelayLedger = {
        ...ledger,
        claim: (...args) => (down ? Promise.reject(new TransientError('Mongo unreachable')) : ledger.claim(...args)),
      };
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        ledger: flaky,
        toRecords,
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => r.value.toString()))),
      });
      await relay.start();
      await waitFor(() => relay.status()[0]?.lastError?.includes('start failed: retrying'), { description: 'a failed start' });
      expect(relay.status()[0]).toMatchObject({ state: 'starting', lastError: 'start failed: retrying: Mongo unreachable' });
      down = false;
      await waitFor(() => published.length === 1, { description: 'the lane relayed after the retry', timeoutMs: 5_000 });
      expect(relay.status()[0]).toMatchObject({ state: 'relaying', cursor: 1 });
      expect(relay.status()[0]?.lastError).toBeUndefined();
      await relay.stop();
    });
  });

  describe('given a broker that never acknowledges', () => {
    it('stops the lane after the stop timeout instead of waiting for ever', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      const relay = createOutboxRelay({ store, ledger, toRecords, stopTimeoutMs: 200, publish: () => new Promise<void>(() => {}) });
      await relay.start();
      await waitFor(() => relay.status()[0]?.waitingForAckMs !== undefined, { description: 'a step in flight' });
      const began = performance.now();
      await relay.stop();
      expect(performance.now() - began).toBeLessThan(1_000);
      expect(relay.status()).toEqual([]);
      expect(await cursorOf(ledger, 0)).toBe(0);
    });
  });

  describe('given an entry that can never be published', () => {
    it('blocks its lane until an operator quarantines it, then publishes the entries after it', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      const ledger = createInMemoryRelayLedger();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      const bad = await store.append('s2', [event('Broken')], { expectedVersion: 0 });
      await store.append('s1', [event('B')], { expectedVersion: 1 });
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        ledger,
        toRecords: (events) =>
          events.some((e) => e.type === 'Broken') ? Promise.reject(new Error('the serde refuses it')) : toRecords(events),
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => r.value.toString()))),
      });
      await relay.start();
      await waitFor(() => relay.status()[0]?.lastError === 'the serde refuses it', { description: 'the lane blocked' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(published).toEqual(['s1:1:A']);
      await ledger.quarantine({
        type: 'OutboxEntryQuarantined',
        eventId: randomUUID(),
        lane: 0,
        seq: bad.position.seq,
        reason: 'refused by its schema',
        by: 'ops@host',
        at: new Date().toISOString(),
        entry: { streamId: 's2', batchId: bad.batchId, fromVersion: 1, toVersion: 1, types: ['Broken'] },
      });
      await waitFor(() => published.length === 2, { description: 'the entry after the quarantined one', timeoutMs: 5_000 });
      expect(published).toEqual(['s1:1:A', 's1:2:B']);
      expect(relay.status()[0]).toMatchObject({ cursor: 3 });
      expect(relay.status()[0]?.lastError).toBeUndefined();
      await relay.stop();
    });
  });

  describe('given an append and its wake while an idle lane is reading (the read missed it)', () => {
    it('reads again at once instead of waiting out the idle interval', async () => {
      const inner = createInMemoryEventStore({ lanes: 1 });
      const published: string[] = [];
      let appendWhileReading = true;
      const store: EventStore = {
        ...inner,
        readOutbox: async (lane, afterSeq, options) => {
          const read = await inner.readOutbox(lane, afterSeq, options);
          if (appendWhileReading) {
            appendWhileReading = false;
            await inner.append('s1', [event('A')], { expectedVersion: 0 });
            relay.wake();
          }
          return read;
        },
      };
      // every idle wait is long: only the wake can make the append go out in time
      const relay = wokenOnlyRelay(store, published);
      await relay.start();
      await waitFor(() => published.length === 1, { timeoutMs: 2_000, description: 'the append published' });
      await relay.stop();
      expect(published).toEqual(['s1:1:A']);
    });
  });

  describe('given one lane woken after an append on it', () => {
    it('reads that lane at once and leaves the other lanes waiting', async () => {
      const inner = createInMemoryEventStore({ lanes: 4 });
      const reads = new Map<number, number>();
      const store: EventStore = {
        ...inner,
        readOutbox: (lane, afterSeq, options) => {
          reads.set(lane, (reads.get(lane) ?? 0) + 1);
          return inner.readOutbox(lane, afterSeq, options);
        },
      };
      const published: string[] = [];
      const relay = wokenOnlyRelay(store, published);
      await relay.start();
      await waitFor(() => reads.size === 4, { description: 'every lane read once on start' });
      const appended = await inner.append('s1', [event('A')], { expectedVersion: 0 });
      const before = new Map(reads);
      relay.wake(appended.position.lane);
      await waitFor(() => published.length === 1, { timeoutMs: 2_000, description: 'the append published' });
      await relay.stop();
      for (let lane = 0; lane < 4; lane++) {
        const extra = (reads.get(lane) ?? 0) - (before.get(lane) ?? 0);
        // the woken lane reads the append, then once more and finds nothing; the others are not read at all
        if (lane === appended.position.lane) expect(extra).toBeGreaterThanOrEqual(1);
        else expect(extra, `lane ${lane}`).toBe(0);
      }
    });
  });
});
