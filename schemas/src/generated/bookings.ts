// Generated from schemas/bookings/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** A person travelling on the booking. */
export type Passenger = {
  /** Given name as in the travel document. */
  readonly firstName: string;
  /** Family name as in the travel document. */
  readonly lastName: string;
};

/** A confirmed booking was cancelled. */
export type BookingCancelled = {
  readonly type: 'BookingCancelled';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Why the booking was cancelled, for people. */
    readonly reason: string;
  };
};

/** The booking holds confirmed seats and a captured payment. */
export type BookingConfirmed = {
  readonly type: 'BookingConfirmed';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Seat hold that became the booked seats. */
    readonly holdId: string;
    /** Number of seats booked. */
    readonly seats: number;
  };
};

/** The booking could not be completed and will not be. */
export type BookingRejected = {
  readonly type: 'BookingRejected';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Why the booking was rejected, for people. */
    readonly reason: string;
  };
};

/** A customer asked to book seats on a flight. */
export type BookingRequested = {
  readonly type: 'BookingRequested';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Customer who made the request. */
    readonly customerId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** The people travelling, one seat each. */
    readonly passengers: readonly Passenger[];
    /** Number of seats asked for. */
    readonly seats: number;
    /** The gateway's card token the booking is paid with (a reference, never a card number); null: the payments context's default token. */
    readonly paymentToken?: null | string;
  };
};

/** Every event of the bookings context. */
export type BookingsEvent = BookingCancelled | BookingConfirmed | BookingRejected | BookingRequested;

/** Avro full name of each bookings event type. */
export const bookingsFullNames = {
  BookingCancelled: 'waggle.bookings.BookingCancelled',
  BookingConfirmed: 'waggle.bookings.BookingConfirmed',
  BookingRejected: 'waggle.bookings.BookingRejected',
  BookingRequested: 'waggle.bookings.BookingRequested',
} as const;

/** Avro schema of each bookings event type, as in its .avsc file. */
export const bookingsSchemas = {
  BookingCancelled: {
    type: 'record',
    name: 'BookingCancelled',
    namespace: 'waggle.bookings',
    doc: 'A confirmed booking was cancelled.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'reason', type: 'string', doc: 'Why the booking was cancelled, for people.' },
    ],
  },
  BookingConfirmed: {
    type: 'record',
    name: 'BookingConfirmed',
    namespace: 'waggle.bookings',
    doc: 'The booking holds confirmed seats and a captured payment.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'holdId', type: 'string', doc: 'Seat hold that became the booked seats.' },
      { name: 'seats', type: 'int', doc: 'Number of seats booked.' },
    ],
  },
  BookingRejected: {
    type: 'record',
    name: 'BookingRejected',
    namespace: 'waggle.bookings',
    doc: 'The booking could not be completed and will not be.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'reason', type: 'string', doc: 'Why the booking was rejected, for people.' },
    ],
  },
  BookingRequested: {
    type: 'record',
    name: 'BookingRequested',
    namespace: 'waggle.bookings',
    doc: 'A customer asked to book seats on a flight.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'customerId', type: 'string', doc: 'Customer who made the request.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      {
        name: 'passengers',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Passenger',
            doc: 'A person travelling on the booking.',
            fields: [
              { name: 'firstName', type: 'string', doc: 'Given name as in the travel document.' },
              { name: 'lastName', type: 'string', doc: 'Family name as in the travel document.' },
            ],
          },
        },
        doc: 'The people travelling, one seat each.',
      },
      { name: 'seats', type: 'int', doc: 'Number of seats asked for.' },
      {
        name: 'paymentToken',
        type: ['null', 'string'],
        default: null,
        doc: "The gateway's card token the booking is paid with (a reference, never a card number); null: the payments context's default token.",
      },
    ],
  },
} as const;
