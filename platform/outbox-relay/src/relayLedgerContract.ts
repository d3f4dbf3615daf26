import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QuarantineRecord, RelayLedger } from './relayLedger.ts';

const quarantine = (lane: number, seq: number, reason = 'the serde refuses it'): QuarantineRecord => ({
  type: 'OutboxEntryQuarantined',
  eventId: randomUUID(),
  lane,
  seq,
  reason,
  by: 'ops@host',
  at: '2026-12-02T10:00:00.000Z',
  entry: { streamId: 's1', batchId: 'b1', fromVersion: 3, toVersion: 3, types: ['Broken'] },
});

/** The behaviour every relay ledger shares; run against the Mongo adapter and the in-memory twin. */
export const describeRelayLedgerContract = (name: string, fresh: () => Promise<RelayLedger>): void => {
  describe(`relay ledger contract (${name})`, () => {
    describe('given a lane claimed by one instance and then by another', () => {
      it('fences the first: its cursor moves and checks fail, the second holds the lane', async () => {
        const ledger = await fresh();
        const first = await ledger.claim(1, 'a', 0);
        expect(first).toEqual({ epoch: 1, cursor: 0 });
        expect(await ledger.advance(1, first.epoch, 5)).toBe(true);
        const second = await ledger.claim(1, 'b', 0);
        expect(second).toMatchObject({ epoch: 2, cursor: 5 });
        expect(await ledger.advance(1, first.epoch, 9)).toBe(false);
        expect(await ledger.holds(1, first.epoch)).toBe(false);
        expect(await ledger.holds(1, second.epoch)).toBe(true);
        expect(await ledger.advance(1, second.epoch, 7)).toBe(true);
        expect(await ledger.advance(1, second.epoch, 6)).toBe(true);
        expect((await ledger.lanes()).map(({ lane, epoch, instance, cursor }) => ({ lane, epoch, instance, cursor }))).toEqual([
          { lane: 1, epoch: 2, instance: 'b', cursor: 7 },
        ]);
      });
    });

    describe('given a lane handed over', () => {
      it('tells the new holder who held it and whether it said it stopped', async () => {
        const ledger = await fresh();
        const first = await ledger.claim(3, 'a', 0);
        expect(first.previous).toBeUndefined();
        await ledger.advance(3, first.epoch, 2);
        const second = await ledger.claim(3, 'b', 0);
        expect(second.previous).toMatchObject({ epoch: first.epoch, instance: 'a', released: false });
        expect(Date.parse(second.previous?.activeAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
        expect(await ledger.released(3, first.epoch)).toBe(false);
        await ledger.release(3, first.epoch);
        expect(await ledger.released(3, first.epoch)).toBe(true);
        expect(await ledger.released(3, second.epoch)).toBe(false);
        await ledger.release(3, second.epoch);
        expect((await ledger.claim(3, 'c', 0)).previous).toMatchObject({ epoch: second.epoch, instance: 'b', released: true });
      });
    });

    describe('given the store cursor from before the relay kept its own', () => {
      it('starts a lane at the higher of the two, never lower', async () => {
        const ledger = await fresh();
        expect((await ledger.claim(0, 'a', 4)).cursor).toBe(4);
        const { epoch } = await ledger.claim(0, 'a', 0);
        await ledger.advance(0, epoch, 8);
        expect((await ledger.claim(0, 'a', 6)).cursor).toBe(8);
      });
    });

    describe('given a lane that fails', () => {
      it('shows the error while it lasts, clears it once the lane moves, and ignores a fenced holder', async () => {
        const ledger = await fresh();
        const { epoch } = await ledger.claim(2, 'a', 0);
        await ledger.recordError(2, epoch, { error: 'Mongo is down', since: '2026-12-02T10:00:00.000Z' });
        expect(await ledger.lanes()).toMatchObject([{ lane: 2, lastError: 'Mongo is down', failingSince: '2026-12-02T10:00:00.000Z' }]);
        await ledger.recordError(2, epoch, undefined);
        expect((await ledger.lanes())[0]?.lastError).toBeUndefined();
        await ledger.recordError(2, epoch, { error: 'again', since: '2026-12-02T10:01:00.000Z' });
        await ledger.claim(2, 'b', 0);
        expect((await ledger.lanes())[0]).toMatchObject({ instance: 'b' });
        expect((await ledger.lanes())[0]?.lastError).toBeUndefined();
        await ledger.recordError(2, epoch, { error: 'from the fenced one', since: '2026-12-02T10:02:00.000Z' });
        expect((await ledger.lanes())[0]?.lastError).toBeUndefined();
      });
    });

    describe('given quarantined entries', () => {
      it('keeps the first record of an entry and lists a lane’s entries after a seq, in order', async () => {
        const ledger = await fresh();
        expect(await ledger.quarantine(quarantine(0, 9))).toBe(true);
        expect(await ledger.quarantine(quarantine(0, 3))).toBe(true);
        expect(await ledger.quarantine(quarantine(1, 4))).toBe(true);
        expect(await ledger.quarantine(quarantine(0, 9, 'a second opinion'))).toBe(false);
        expect((await ledger.quarantined(0, 0)).map((q) => [q.seq, q.reason])).toEqual([
          [3, 'the serde refuses it'],
          [9, 'the serde refuses it'],
        ]);
        expect((await ledger.quarantined(0, 3)).map((q) => q.seq)).toEqual([9]);
        expect(await ledger.quarantined(0, 3)).toEqual([
          expect.objectContaining({ type: 'OutboxEntryQuarantined', lane: 0, seq: 9, by: 'ops@host' }),
        ]);
      });
    });
  });
};
