// Generated from schemas/flights/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** The flight will not operate. */
export type FlightCancelled = {
  readonly type: 'FlightCancelled';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Why the flight was cancelled, for people. */
    readonly reason: string;
  };
};

/** A flight was put on sale with its capacity and base fare. */
export type FlightScheduled = {
  readonly type: 'FlightScheduled';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** IATA flight number, e.g. LH400. */
    readonly flightNumber: string;
    /** Local departure date, YYYY-MM-DD. */
    readonly date: string;
    /** IATA code of the departure airport. */
    readonly origin: string;
    /** IATA code of the arrival airport. */
    readonly destination: string;
    /** Scheduled departure as an ISO 8601 date-time with offset. */
    readonly departureTime: string;
    /** Number of seats for sale. */
    readonly capacity: number;
    /** Base fare per seat in the minor unit of currency. */
    readonly fareCents: number;
    /** ISO 4217 currency code of the fare. */
    readonly currency: string;
  };
};

/** A seat hold was given back (expired, booking rejected or cancelled). */
export type SeatHoldReleased = {
  readonly type: 'SeatHoldReleased';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Id of the seat hold on the flight. */
    readonly holdId: string;
    /** Booking the hold was for. */
    readonly bookingId: string;
    /** Number of seats returned to sale. */
    readonly seats: number;
    /** Why the hold was released, for people. */
    readonly reason: string;
  };
};

/** Held seats were sold for good. */
export type SeatsConfirmed = {
  readonly type: 'SeatsConfirmed';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Id of the seat hold on the flight. */
    readonly holdId: string;
    /** Booking the seats were sold to. */
    readonly bookingId: string;
    /** Number of seats confirmed. */
    readonly seats: number;
  };
};

/** Seats were held for a booking until it is confirmed or released; a hold with a deadline also lapses then. */
export type SeatsHeld = {
  readonly type: 'SeatsHeld';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Booking the seats are held for. */
    readonly bookingId: string;
    /** Number of seats held. */
    readonly seats: number;
    /** Id of the seat hold on the flight. */
    readonly holdId: string;
    /** When the hold lapses unless confirmed, ISO 8601 date-time; null when it waits for its booking's answer (a booking's hold never lapses: bookings confirms or gives it back). */
    readonly expiresAt?: null | string;
  };
};

/** A hold request was refused because too few seats are left. */
export type SeatsUnavailable = {
  readonly type: 'SeatsUnavailable';
  readonly data: {
    /** Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01. */
    readonly flightId: string;
    /** Booking that asked for the seats. */
    readonly bookingId: string;
    /** Number of seats asked for. */
    readonly seatsRequested: number;
    /** Number of seats still free when the request was refused. */
    readonly seatsLeft: number;
    /** Why the seats could not be held, for people. */
    readonly reason: string;
  };
};

/** Every event of the flights context. */
export type FlightsEvent = FlightCancelled | FlightScheduled | SeatHoldReleased | SeatsConfirmed | SeatsHeld | SeatsUnavailable;

/** Avro full name of each flights event type. */
export const flightsFullNames = {
  FlightCancelled: 'waggle.flights.FlightCancelled',
  FlightScheduled: 'waggle.flights.FlightScheduled',
  SeatHoldReleased: 'waggle.flights.SeatHoldReleased',
  SeatsConfirmed: 'waggle.flights.SeatsConfirmed',
  SeatsHeld: 'waggle.flights.SeatsHeld',
  SeatsUnavailable: 'waggle.flights.SeatsUnavailable',
} as const;

/** Avro schema of each flights event type, as in its .avsc file. */
export const flightsSchemas = {
  FlightCancelled: {
    type: 'record',
    name: 'FlightCancelled',
    namespace: 'waggle.flights',
    doc: 'The flight will not operate.',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'reason', type: 'string', doc: 'Why the flight was cancelled, for people.' },
    ],
  },
  FlightScheduled: {
    type: 'record',
    name: 'FlightScheduled',
    namespace: 'waggle.flights',
    doc: 'A flight was put on sale with its capacity and base fare.',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'flightNumber', type: 'string', doc: 'IATA flight number, e.g. LH400.' },
      { name: 'date', type: 'string', doc: 'Local departure date, YYYY-MM-DD.' },
      { name: 'origin', type: 'string', doc: 'IATA code of the departure airport.' },
      { name: 'destination', type: 'string', doc: 'IATA code of the arrival airport.' },
      { name: 'departureTime', type: 'string', doc: 'Scheduled departure as an ISO 8601 date-time with offset.' },
      { name: 'capacity', type: 'int', doc: 'Number of seats for sale.' },
      { name: 'fareCents', type: 'long', doc: 'Base fare per seat in the minor unit of currency.' },
      { name: 'currency', type: 'string', doc: 'ISO 4217 currency code of the fare.' },
    ],
  },
  SeatHoldReleased: {
    type: 'record',
    name: 'SeatHoldReleased',
    namespace: 'waggle.flights',
    doc: 'A seat hold was given back (expired, booking rejected or cancelled).',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'holdId', type: 'string', doc: 'Id of the seat hold on the flight.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the hold was for.' },
      { name: 'seats', type: 'int', doc: 'Number of seats returned to sale.' },
      { name: 'reason', type: 'string', doc: 'Why the hold was released, for people.' },
    ],
  },
  SeatsConfirmed: {
    type: 'record',
    name: 'SeatsConfirmed',
    namespace: 'waggle.flights',
    doc: 'Held seats were sold for good.',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'holdId', type: 'string', doc: 'Id of the seat hold on the flight.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the seats were sold to.' },
      { name: 'seats', type: 'int', doc: 'Number of seats confirmed.' },
    ],
  },
  SeatsHeld: {
    type: 'record',
    name: 'SeatsHeld',
    namespace: 'waggle.flights',
    doc: 'Seats were held for a booking until it is confirmed or released; a hold with a deadline also lapses then.',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the seats are held for.' },
      { name: 'seats', type: 'int', doc: 'Number of seats held.' },
      { name: 'holdId', type: 'string', doc: 'Id of the seat hold on the flight.' },
      {
        name: 'expiresAt',
        type: ['null', 'string'],
        default: null,
        doc: "When the hold lapses unless confirmed, ISO 8601 date-time; null when it waits for its booking's answer (a booking's hold never lapses: bookings confirms or gives it back).",
      },
    ],
  },
  SeatsUnavailable: {
    type: 'record',
    name: 'SeatsUnavailable',
    namespace: 'waggle.flights',
    doc: 'A hold request was refused because too few seats are left.',
    fields: [
      { name: 'flightId', type: 'string', doc: 'Flight aggregate id: flight number and departure date, e.g. LH400-2026-12-01.' },
      { name: 'bookingId', type: 'string', doc: 'Booking that asked for the seats.' },
      { name: 'seatsRequested', type: 'int', doc: 'Number of seats asked for.' },
      { name: 'seatsLeft', type: 'int', doc: 'Number of seats still free when the request was refused.' },
      { name: 'reason', type: 'string', doc: 'Why the seats could not be held, for people.' },
    ],
  },
} as const;
