import type { LoyaltyEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/** One line of a member's statement: points earned with a booking, or taken back. */
export type LoyaltyEntry = {
  readonly kind: 'earned' | 'reversed';
  readonly bookingId: string;
  readonly points: number;
  readonly reason: string;
  /** `ce_time` of the event. */
  readonly occurredAt: string;
  readonly eventId: string;
};

/**
 * A member's points, pre-aggregated as the events arrive, with the entries they come from in stream order. One
 * document per member account (the loyalty stream, keyed by member id = the bookings' customer id), so its single
 * writer is the consumer of the member's partition and a redelivered or replayed event is recognised by its stream
 * version (or, produced by hand, by its id). Bounded by the member's bookings: an account earns and reverses each
 * booking at most once.
 */
export type MemberBalance = AppliedEvents & {
  readonly memberId: string;
  readonly pointsEarned: number;
  readonly pointsReversed: number;
  /** Earned minus reversed. */
  readonly balance: number;
  readonly entries: readonly LoyaltyEntry[];
  /** `ce_time` of the last event applied. */
  readonly updatedAt: string | null;
};

export const initialMemberBalance = (memberId: string): MemberBalance => ({
  ...noEventsApplied,
  memberId,
  pointsEarned: 0,
  pointsReversed: 0,
  balance: 0,
  entries: [],
  updatedAt: null,
});

const entryOf = (projected: ProjectedEvent<LoyaltyEvent>): LoyaltyEntry => {
  const { event, occurredAt, eventId } = projected;
  const { bookingId, points, reason } = event.data;
  switch (event.type) {
    case 'PointsEarned':
      return { kind: 'earned', bookingId, points, reason, occurredAt, eventId };
    case 'PointsReversed':
      return { kind: 'reversed', bookingId, points, reason, occurredAt, eventId };
  }
};

/** Applies a loyalty event once: an event the document already reflects returns the same document. */
export const evolve = (member: MemberBalance, projected: ProjectedEvent<LoyaltyEvent>): MemberBalance => {
  if (isApplied(member, projected)) return member;
  const entry = entryOf(projected);
  const pointsEarned = member.pointsEarned + (entry.kind === 'earned' ? entry.points : 0);
  const pointsReversed = member.pointsReversed + (entry.kind === 'reversed' ? entry.points : 0);
  return {
    ...member,
    ...markApplied(member, projected),
    pointsEarned,
    pointsReversed,
    balance: pointsEarned - pointsReversed,
    entries: [...member.entries, entry],
    updatedAt: projected.occurredAt,
  };
};
