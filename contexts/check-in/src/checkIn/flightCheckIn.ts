import { NotFoundError, RuleViolationError } from '@waggle/errors';
import type { CheckinEvent } from '@waggle/schemas';

/** One booking's check-in on the flight: who may check in, the seats given, and until when. */
type BookingCheckIn = {
  readonly status: 'open' | 'closed';
  readonly passengers: readonly string[];
  /** Seat per checked-in passenger. */
  readonly seats: Readonly<Record<string, string>>;
  readonly closesAt: string | null;
  readonly closedReason: string | null;
};

/**
 * Check-in of one flight: every booking's check-in on it and the seats taken. One stream per flight, because a
 * seat is a flight's resource: every check-in of the flight is decided on one state, appended under its expected
 * version, so two concurrent check-ins can never be given the same seat. Bounded by the bookings of the flight.
 */
export type FlightCheckIn = {
  readonly bookings: Readonly<Record<string, BookingCheckIn>>;
  /** Booking holding each seat taken. */
  readonly taken: Readonly<Record<string, string>>;
};

export type FlightCheckInCommand =
  | {
      readonly type: 'OpenCheckIn';
      readonly flightId: string;
      readonly bookingId: string;
      readonly passengers: readonly string[];
      /** Departure: check-in closes then. */
      readonly closesAt: string;
      readonly now: string;
    }
  | {
      readonly type: 'CheckInPassenger';
      readonly flightId: string;
      readonly bookingId: string;
      readonly passengerName: string;
      /** The flight's seats for sale (from FlightScheduled): seats are given within them; null when not known. */
      readonly capacity: number | null;
      readonly now: string;
    }
  | { readonly type: 'CloseCheckIn'; readonly flightId: string; readonly bookingId: string; readonly reason: string }
  | { readonly type: 'CloseFlightCheckIn'; readonly flightId: string; readonly bookingIds: readonly string[]; readonly reason: string };

export const initialState = (): FlightCheckIn => ({ bookings: {}, taken: {} });

const seatLetters = 'ABCDEF';

/** The seat label of a seat index: six seats a row, from 1A on. */
export const seatLabel = (index: number): string =>
  `${Math.floor(index / seatLetters.length) + 1}${seatLetters[index % seatLetters.length]}`;

/**
 * Seat assignment: the lowest seat not taken, row by row within the capacity (1A…1F, 2A…), so the same history
 * always gives the same seats; undefined when every seat is taken.
 */
const firstFreeSeat = (taken: Readonly<Record<string, string>>, capacity: number | null): string | undefined => {
  for (let index = 0; capacity === null || index < capacity; index++) {
    const seat = seatLabel(index);
    if (!Object.hasOwn(taken, seat)) return seat;
  }
  return undefined;
};

const close = (flightId: string, bookingId: string, reason: string): CheckinEvent => ({
  type: 'CheckInClosed',
  data: { bookingId, flightId, reason },
});

export const decide = (command: FlightCheckInCommand, flight: FlightCheckIn): CheckinEvent[] => {
  switch (command.type) {
    case 'OpenCheckIn': {
      // once per booking: a booking whose check-in is open or closed (cancelled first, say) does not open again
      if (flight.bookings[command.bookingId] !== undefined) return [];
      // the service was down through the whole window: it never opens
      if (Date.parse(command.now) >= Date.parse(command.closesAt)) return [];
      const { bookingId, flightId, closesAt, passengers } = command;
      return [{ type: 'CheckInOpened', data: { bookingId, flightId, closesAt, passengers: [...passengers] } }];
    }
    case 'CheckInPassenger': {
      const booking = flight.bookings[command.bookingId];
      if (booking === undefined) throw new RuleViolationError(`check-in for booking ${command.bookingId} is not open`);
      if (booking.status === 'closed')
        throw new RuleViolationError(`check-in for booking ${command.bookingId} is closed: ${booking.closedReason ?? ''}`);
      if (booking.closesAt !== null && Date.parse(command.now) >= Date.parse(booking.closesAt))
        throw new RuleViolationError(`check-in for booking ${command.bookingId} closed at departure (${booking.closesAt})`);
      if (!booking.passengers.includes(command.passengerName))
        throw new NotFoundError(`${command.passengerName} is not a passenger of booking ${command.bookingId}`);
      // checked in already: the same boarding pass, nothing new
      if (booking.seats[command.passengerName] !== undefined) return [];
      const seat = firstFreeSeat(flight.taken, command.capacity);
      if (seat === undefined) throw new RuleViolationError(`flight ${command.flightId} has no seat left to give`);
      const { bookingId, flightId, passengerName } = command;
      return [
        { type: 'PassengerCheckedIn', data: { bookingId, flightId, passengerName, seat } },
        { type: 'BoardingPassIssued', data: { bookingId, flightId, passengerName, seat, gate: null } },
      ];
    }
    case 'CloseCheckIn':
      // also for a booking whose check-in never opened: it then never will (a timer may be about to open it)
      return flight.bookings[command.bookingId]?.status === 'closed' ? [] : [close(command.flightId, command.bookingId, command.reason)];
    case 'CloseFlightCheckIn': {
      const open = Object.keys(flight.bookings).filter((id) => flight.bookings[id]?.status === 'open');
      const all = [...new Set([...open, ...command.bookingIds])];
      return all
        .filter((bookingId) => flight.bookings[bookingId]?.status !== 'closed')
        .map((bookingId) => close(command.flightId, bookingId, command.reason));
    }
  }
};

const withoutSeatsOf = (taken: Readonly<Record<string, string>>, bookingId: string): Record<string, string> =>
  Object.fromEntries(Object.entries(taken).filter(([, holder]) => holder !== bookingId));

export const evolve = (flight: FlightCheckIn, event: CheckinEvent): FlightCheckIn => {
  switch (event.type) {
    case 'CheckInOpened': {
      const { bookingId } = event.data;
      // both have defaults in the schema (events of the first release carry neither)
      const opened: BookingCheckIn = {
        status: 'open',
        passengers: event.data.passengers ?? [],
        seats: {},
        closesAt: event.data.closesAt ?? null,
        closedReason: null,
      };
      return { ...flight, bookings: { ...flight.bookings, [bookingId]: opened } };
    }
    case 'PassengerCheckedIn': {
      const { bookingId, passengerName, seat } = event.data;
      const booking = flight.bookings[bookingId];
      if (booking === undefined) return flight;
      return {
        bookings: { ...flight.bookings, [bookingId]: { ...booking, seats: { ...booking.seats, [passengerName]: seat } } },
        taken: { ...flight.taken, [seat]: bookingId },
      };
    }
    case 'BoardingPassIssued':
      return flight;
    case 'CheckInClosed': {
      const { bookingId, reason } = event.data;
      const booking = flight.bookings[bookingId] ?? { status: 'closed', passengers: [], seats: {}, closesAt: null, closedReason: null };
      // a closed booking's seats go back: its passengers will not fly (cancelled) or have flown (departed)
      return {
        bookings: { ...flight.bookings, [bookingId]: { ...booking, status: 'closed', closedReason: reason } },
        taken: withoutSeatsOf(flight.taken, bookingId),
      };
    }
  }
};

/** The check-in decider of a flight: stream id = flight id. */
export const flightCheckInDecider = { initialState, decide, evolve, stateVersion: 1 };
