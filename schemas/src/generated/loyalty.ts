// Generated from schemas/loyalty/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** A member earned points for a booking. */
export type PointsEarned = {
  readonly type: 'PointsEarned';
  readonly data: {
    /** Loyalty member account id. */
    readonly memberId: string;
    /** Booking the points were earned with. */
    readonly bookingId: string;
    /** Points credited. */
    readonly points: number;
    /** What the points are for, for people. */
    readonly reason: string;
  };
};

/** Points earned for a booking were taken back. */
export type PointsReversed = {
  readonly type: 'PointsReversed';
  readonly data: {
    /** Loyalty member account id. */
    readonly memberId: string;
    /** Booking whose points were reversed. */
    readonly bookingId: string;
    /** Points debited. */
    readonly points: number;
    /** Why the points were reversed, for people. */
    readonly reason: string;
  };
};

/** Every event of the loyalty context. */
export type LoyaltyEvent = PointsEarned | PointsReversed;

/** Avro full name of each loyalty event type. */
export const loyaltyFullNames = {
  PointsEarned: 'waggle.loyalty.PointsEarned',
  PointsReversed: 'waggle.loyalty.PointsReversed',
} as const;

/** Avro schema of each loyalty event type, as in its .avsc file. */
export const loyaltySchemas = {
  PointsEarned: {
    type: 'record',
    name: 'PointsEarned',
    namespace: 'waggle.loyalty',
    doc: 'A member earned points for a booking.',
    fields: [
      { name: 'memberId', type: 'string', doc: 'Loyalty member account id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the points were earned with.' },
      { name: 'points', type: 'int', doc: 'Points credited.' },
      { name: 'reason', type: 'string', doc: 'What the points are for, for people.' },
    ],
  },
  PointsReversed: {
    type: 'record',
    name: 'PointsReversed',
    namespace: 'waggle.loyalty',
    doc: 'Points earned for a booking were taken back.',
    fields: [
      { name: 'memberId', type: 'string', doc: 'Loyalty member account id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking whose points were reversed.' },
      { name: 'points', type: 'int', doc: 'Points debited.' },
      { name: 'reason', type: 'string', doc: 'Why the points were reversed, for people.' },
    ],
  },
} as const;
