// Generated from schemas/checkin/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** A boarding pass was issued to a checked-in passenger. */
export type BoardingPassIssued = {
  readonly type: 'BoardingPassIssued';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Full name of the passenger as in the travel document. */
    readonly passengerName: string;
    /** Seat printed on the pass, e.g. 23A. */
    readonly seat: string;
    /** Departure gate; null until the airport assigns one. */
    readonly gate?: null | string;
  };
};

/** Check-in for a booking closed (the flight departed, or the booking or the flight was cancelled); it does not open again. */
export type CheckInClosed = {
  readonly type: 'CheckInClosed';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Why check-in closed, for people: departed, booking cancelled: …, flight cancelled: …. */
    readonly reason: string;
  };
};

/** Online check-in opened for a booking. */
export type CheckInOpened = {
  readonly type: 'CheckInOpened';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** When check-in closes, ISO 8601 date-time; null when the airline has not said. */
    readonly closesAt?: null | string;
    /** Full names of the booking's passengers who may check in; empty when not known. */
    readonly passengers?: readonly string[];
  };
};

/** A passenger of the booking checked in and got a seat. */
export type PassengerCheckedIn = {
  readonly type: 'PassengerCheckedIn';
  readonly data: {
    /** Booking aggregate id. */
    readonly bookingId: string;
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Full name of the passenger as in the travel document. */
    readonly passengerName: string;
    /** Seat assigned, e.g. 23A. */
    readonly seat: string;
  };
};

/** Every event of the checkin context. */
export type CheckinEvent = BoardingPassIssued | CheckInClosed | CheckInOpened | PassengerCheckedIn;

/** Avro full name of each checkin event type. */
export const checkinFullNames = {
  BoardingPassIssued: 'waggle.checkin.BoardingPassIssued',
  CheckInClosed: 'waggle.checkin.CheckInClosed',
  CheckInOpened: 'waggle.checkin.CheckInOpened',
  PassengerCheckedIn: 'waggle.checkin.PassengerCheckedIn',
} as const;

/** Avro schema of each checkin event type, as in its .avsc file. */
export const checkinSchemas = {
  BoardingPassIssued: {
    type: 'record',
    name: 'BoardingPassIssued',
    namespace: 'waggle.checkin',
    doc: 'A boarding pass was issued to a checked-in passenger.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'passengerName', type: 'string', doc: 'Full name of the passenger as in the travel document.' },
      { name: 'seat', type: 'string', doc: 'Seat printed on the pass, e.g. 23A.' },
      { name: 'gate', type: ['null', 'string'], default: null, doc: 'Departure gate; null until the airport assigns one.' },
    ],
  },
  CheckInClosed: {
    type: 'record',
    name: 'CheckInClosed',
    namespace: 'waggle.checkin',
    doc: 'Check-in for a booking closed (the flight departed, or the booking or the flight was cancelled); it does not open again.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'reason', type: 'string', doc: 'Why check-in closed, for people: departed, booking cancelled: …, flight cancelled: ….' },
    ],
  },
  CheckInOpened: {
    type: 'record',
    name: 'CheckInOpened',
    namespace: 'waggle.checkin',
    doc: 'Online check-in opened for a booking.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      {
        name: 'closesAt',
        type: ['null', 'string'],
        default: null,
        doc: 'When check-in closes, ISO 8601 date-time; null when the airline has not said.',
      },
      {
        name: 'passengers',
        type: { type: 'array', items: 'string' },
        default: [],
        doc: "Full names of the booking's passengers who may check in; empty when not known.",
      },
    ],
  },
  PassengerCheckedIn: {
    type: 'record',
    name: 'PassengerCheckedIn',
    namespace: 'waggle.checkin',
    doc: 'A passenger of the booking checked in and got a seat.',
    fields: [
      { name: 'bookingId', type: 'string', doc: 'Booking aggregate id.' },
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'passengerName', type: 'string', doc: 'Full name of the passenger as in the travel document.' },
      { name: 'seat', type: 'string', doc: 'Seat assigned, e.g. 23A.' },
    ],
  },
} as const;
