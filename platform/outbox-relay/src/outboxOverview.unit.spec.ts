import { describe, expect, it } from 'vitest';
import { toOutboxOverview } from './outboxOverview.ts';
import type { LaneRecord } from './relayLedger.ts';

const record = (lane: number, instance: string, extra: Partial<LaneRecord> = {}): LaneRecord => ({
  lane,
  epoch: 4,
  instance,
  cursor: 10,
  claimedAt: '2026-12-02T10:00:00.000Z',
  ...extra,
});

describe('outbox overview', () => {
  describe('given lanes held here, elsewhere, failing to start, taken over, and never started', () => {
    it('shows every lane with its holder, its backlog and why it waits', () => {
      const overview = toOutboxOverview({
        lanes: 5,
        instance: 'a',
        now: Date.parse('2026-12-02T10:01:00.000Z'),
        local: [
          { lane: 0, state: 'relaying', epoch: 4, cursor: 12, published: 7 },
          {
            lane: 1,
            state: 'starting',
            cursor: 0,
            published: 0,
            lastError: 'start failed: retrying: Mongo unreachable',
            failingForMs: 900,
          },
          { lane: 3, state: 'fenced', epoch: 2, cursor: 5, published: 3 },
        ],
        records: [
          record(0, 'a', { cursor: 11 }),
          record(2, 'b', { lastError: 'the serde refuses it', failingSince: '2026-12-02T10:00:30.000Z' }),
          record(3, 'b', { epoch: 3, cursor: 8 }),
        ],
        heads: new Map([
          [0, 15],
          [1, 3],
          [2, 14],
          [3, 8],
          [4, 0],
        ]),
      });
      expect(overview).toEqual({
        instance: 'a',
        lanes: [
          { lane: 0, state: 'relaying', holder: 'a', epoch: 4, cursor: 12, head: 15, backlog: 3, published: 7 },
          {
            lane: 1,
            state: 'starting',
            holder: 'a',
            cursor: 0,
            head: 3,
            backlog: 3,
            published: 0,
            waiting: 'start failed: retrying: Mongo unreachable',
            failingForMs: 900,
          },
          {
            lane: 2,
            state: 'elsewhere',
            holder: 'b',
            epoch: 4,
            cursor: 10,
            head: 14,
            backlog: 4,
            waiting: 'the serde refuses it',
            failingForMs: 30_000,
          },
          { lane: 3, state: 'elsewhere', holder: 'b', epoch: 3, cursor: 8, head: 8, backlog: 0 },
          { lane: 4, state: 'never started', cursor: 0, head: 0, backlog: 0, waiting: 'not started: no instance has claimed this lane' },
        ],
      });
    });
  });
});
