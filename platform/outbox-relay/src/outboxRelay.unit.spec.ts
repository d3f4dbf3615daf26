import { randomUUID } from 'node:crypto';
import { createInMemoryEventStore, type NewEvent, type RecordedEvent } from '@waggle/event-store';
import { TransientError } from '@waggle/errors';
import { waitFor } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { createOutboxRelay, type OutgoingRecord } from './outboxRelay.ts';

const event = (type: string): NewEvent => ({
  type,
  data: {},
  metadata: { eventId: randomUUID(), correlationId: 'c', causationId: 'c', occurredAt: '2026-11-25T00:00:00Z' },
});
const toRecords = (events: readonly RecordedEvent[]): Promise<OutgoingRecord[]> =>
  Promise.resolve(
    events.map((e) => ({ topic: 'test', key: e.streamId, value: Buffer.from(`${e.streamId}:${e.version}:${e.type}`), headers: {} })),
  );

describe('outbox relay', () => {
  describe('given appended batches on several streams', () => {
    it('publishes every event once, in stream order, and moves each lane cursor to its end', async () => {
      const store = createInMemoryEventStore({ lanes: 3 });
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
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
        expect(await store.readOutboxCursor(lane)).toBe((await store.readOutbox(lane, 0, { limit: 1000, orphanAfterMs: 0 })).throughSeq);
      }
    });
  });

  describe('given the broker fails to acknowledge', () => {
    it('retries the same batch, never skips it, and does not move the cursor until it is acknowledged', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      await store.append('s1', [event('B')], { expectedVersion: 1 });
      let failuresLeft = 3;
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        toRecords,
        publish: (records) => {
          if (failuresLeft-- > 0) return Promise.reject(new TransientError('broker unavailable'));
          published.push(...records.map((r) => r.value.toString()));
          return Promise.resolve();
        },
      });
      await relay.start();
      await waitFor(() => relay.status()[0]?.lastError, { description: 'a recorded failure' });
      expect(await store.readOutboxCursor(0)).toBe(0);
      await waitFor(() => published.length === 2, { description: 'the batch after the failures' });
      await relay.stop();
      expect(published).toEqual(['s1:1:A', 's1:2:B']);
      expect(await store.readOutboxCursor(0)).toBe(2);
    });
  });

  describe('given a publish that fails while the next step was already read', () => {
    it('publishes one step at a time and republishes the failed step before anything after it', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      for (let v = 0; v < 6; v++) await store.append('s1', [event(`E${v + 1}`)], { expectedVersion: v });
      const published: string[] = [];
      let publishing = 0;
      let overlapped = false;
      let failSecond = true;
      const relay = createOutboxRelay({
        store,
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
      expect(await store.readOutboxCursor(0)).toBe(6);
    });
  });

  describe('given a broker that does not acknowledge for a while', () => {
    it('shows in its status how long the lane has waited for the acknowledgement, and nothing once it came', async () => {
      const store = createInMemoryEventStore({ lanes: 1 });
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      let acknowledge: () => void = () => {};
      const relay = createOutboxRelay({ store, toRecords, publish: () => new Promise<void>((resolve) => (acknowledge = resolve)) });
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
      const relay = createOutboxRelay({ store, toRecords, publish: () => Promise.resolve() });
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
      const published: string[] = [];
      const publish = (records: readonly OutgoingRecord[]) =>
        Promise.resolve(void published.push(...records.map((r) => r.value.toString())));
      const first = createOutboxRelay({ store, toRecords, publish });
      await first.start();
      await store.append('s1', [event('A')], { expectedVersion: 0 });
      first.wake();
      await waitFor(() => published.length === 1);
      await first.stop();
      await store.append('s1', [event('B')], { expectedVersion: 1 });
      const second = createOutboxRelay({ store, toRecords, publish });
      await second.start();
      await waitFor(() => published.length === 2);
      await second.stop();
      expect(published).toEqual(['s1:1:A', 's1:2:B']);
    });
  });
});
