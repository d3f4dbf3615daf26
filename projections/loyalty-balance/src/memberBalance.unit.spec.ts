import type { ProjectedEvent } from '@waggle/read-model';
import type { LoyaltyEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve, initialMemberBalance } from './memberBalance.ts';

const memberId = 'customer-7';
let nextId = 0;
const projected = (
  event: LoyaltyEvent,
  streamVersion: number | undefined,
  eventId = `event-${++nextId}`,
): ProjectedEvent<LoyaltyEvent> => ({
  event,
  eventId,
  streamVersion,
  occurredAt: `2026-11-01T10:00:0${streamVersion ?? 0}.000Z`,
});
const earned = (bookingId: string, points: number, version?: number) =>
  projected({ type: 'PointsEarned', data: { memberId, bookingId, points, reason: `booking ${bookingId} confirmed` } }, version);
const reversed = (bookingId: string, points: number, version?: number) =>
  projected({ type: 'PointsReversed', data: { memberId, bookingId, points, reason: 'booking cancelled: changed plans' } }, version);
const fold = (events: readonly ProjectedEvent<LoyaltyEvent>[]) => events.reduce(evolve, initialMemberBalance(memberId));

describe('a member who earned with two bookings and had one reversed', () => {
  const events = [earned('b-1', 500, 1), earned('b-2', 1000, 2), reversed('b-1', 500, 3)];

  it('has the earned minus the reversed points, with every entry in stream order', () => {
    const member = fold(events);
    expect(member).toMatchObject({ memberId, pointsEarned: 1500, pointsReversed: 500, balance: 1000, version: 3 });
    expect(member.entries.map((e) => [e.kind, e.bookingId, e.points])).toEqual([
      ['earned', 'b-1', 500],
      ['earned', 'b-2', 1000],
      ['reversed', 'b-1', 500],
    ]);
    expect(member.updatedAt).toBe('2026-11-01T10:00:03.000Z');
  });

  it('returns the same document for a redelivered event, by stream version', () => {
    const member = fold(events);
    expect(evolve(member, events[1]!)).toBe(member);
    expect(evolve(member, earned('b-2', 1000, 2))).toBe(member);
  });

  it('returns the same document for a redelivered event without a version, by event id', () => {
    const once = earned('b-3', 200);
    const member = fold([once]);
    expect(evolve(member, once)).toBe(member);
    expect(evolve(member, earned('b-4', 300))).toMatchObject({ balance: 500, entries: [{ bookingId: 'b-3' }, { bookingId: 'b-4' }] });
  });
});
