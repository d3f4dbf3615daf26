import type { LoyaltyEvent } from '@waggle/schemas';

/** What a member's account knows of one booking: the points it earned, and whether they were taken back. */
type Entry = { readonly points: number; readonly reversed: boolean };

/** What deciding needs to know of a member account; not a read model. Bounded by the member's bookings. */
export type Member = { readonly bookings: Readonly<Record<string, Entry>> };

export type MemberCommand =
  | {
      readonly type: 'EarnPoints';
      readonly memberId: string;
      readonly bookingId: string;
      readonly seats: number;
      /** The earning rule's rate (a setting), so the decision stays pure. */
      readonly pointsPerSeat: number;
    }
  | { readonly type: 'ReversePoints'; readonly memberId: string; readonly bookingId: string; readonly reason: string };

export const initialState = (): Member => ({ bookings: {} });

/** The earning rule: a flat rate per seat booked (BookingConfirmed carries the seats, not the fare or the route). */
export const pointsFor = (seats: number, pointsPerSeat: number): number => Math.max(0, seats) * pointsPerSeat;

export const decide = (command: MemberCommand, member: Member): LoyaltyEvent[] => {
  switch (command.type) {
    case 'EarnPoints': {
      // once per booking, whatever the event id it came with (a booking confirmed twice earns once)
      if (member.bookings[command.bookingId] !== undefined) return [];
      const points = pointsFor(command.seats, command.pointsPerSeat);
      if (points === 0) return [];
      const { memberId, bookingId, seats, pointsPerSeat } = command;
      return [
        {
          type: 'PointsEarned',
          data: { memberId, bookingId, points, reason: `booking ${bookingId} confirmed: ${seats} seat(s) × ${pointsPerSeat} points` },
        },
      ];
    }
    case 'ReversePoints': {
      const entry = member.bookings[command.bookingId];
      // nothing earned (a cancel before or without a confirmation) or already taken back: nothing to reverse
      if (entry === undefined || entry.reversed) return [];
      const { memberId, bookingId, reason } = command;
      return [{ type: 'PointsReversed', data: { memberId, bookingId, points: entry.points, reason } }];
    }
  }
};

export const evolve = (member: Member, event: LoyaltyEvent): Member => {
  switch (event.type) {
    case 'PointsEarned':
      return { bookings: { ...member.bookings, [event.data.bookingId]: { points: event.data.points, reversed: false } } };
    case 'PointsReversed': {
      const entry = member.bookings[event.data.bookingId];
      return entry === undefined ? member : { bookings: { ...member.bookings, [event.data.bookingId]: { ...entry, reversed: true } } };
    }
  }
};

/** The member account decider: stream id = member id (the customer id of bookings). */
export const memberDecider = { initialState, decide, evolve, stateVersion: 1 };

/** Points on the account: earned minus reversed. */
export const balanceOf = (member: Member): number =>
  Object.values(member.bookings).reduce((sum, entry) => sum + (entry.reversed ? 0 : entry.points), 0);
