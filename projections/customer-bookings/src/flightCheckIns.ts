import type { CheckinEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/** A passenger's check-in: the seat given and the boarding pass. */
export type PassengerCheckIn = {
  readonly passengerName: string;
  readonly seat: string;
  readonly boardingPassIssued: boolean;
  /** Null until the airport assigns one (on the boarding pass). */
  readonly gate: string | null;
};

/** One booking's check-in on its flight. */
export type BookingCheckIn = {
  readonly bookingId: string;
  readonly status: 'open' | 'closed';
  /** Who may check in; empty when check-in did not say. */
  readonly passengers: readonly string[];
  /** The passengers checked in, in the order they checked in. */
  readonly checkedIn: readonly PassengerCheckIn[];
  readonly closesAt: string | null;
  readonly closedReason: string | null;
};

/**
 * The check-in of every booking of one flight, from the check-in events only. The check-in context keeps one stream
 * per flight (a seat is the flight's resource) and its relay keys the records by flight id, so this document has
 * a single writer, the consumer of the flight's partition of the check-in topic, and applies the flight's events
 * in stream version order. Bounded by the bookings of the flight; joined with a booking when it is read.
 */
export type FlightCheckIns = AppliedEvents & {
  readonly flightId: string;
  /** In booking id order. */
  readonly bookings: readonly BookingCheckIn[];
};

export const initialFlightCheckIns = (flightId: string): FlightCheckIns => ({ ...noEventsApplied, flightId, bookings: [] });

const closedBefore = (bookingId: string): BookingCheckIn => ({
  bookingId,
  status: 'closed',
  passengers: [],
  checkedIn: [],
  closesAt: null,
  closedReason: null,
});

const withBooking = (flight: FlightCheckIns, booking: BookingCheckIn): FlightCheckIns => ({
  ...flight,
  bookings: [...flight.bookings.filter((b) => b.bookingId !== booking.bookingId), booking].sort((a, b) =>
    a.bookingId < b.bookingId ? -1 : a.bookingId > b.bookingId ? 1 : 0,
  ),
});

const withPassenger = (booking: BookingCheckIn, passenger: PassengerCheckIn): BookingCheckIn => ({
  ...booking,
  checkedIn: booking.checkedIn.some((p) => p.passengerName === passenger.passengerName)
    ? booking.checkedIn.map((p) => (p.passengerName === passenger.passengerName ? passenger : p))
    : [...booking.checkedIn, passenger],
});

const applyEvent = (flight: FlightCheckIns, event: CheckinEvent): FlightCheckIns => {
  const { bookingId } = event.data;
  const booking = flight.bookings.find((b) => b.bookingId === bookingId);
  switch (event.type) {
    case 'CheckInOpened':
      // both have defaults in the schema (events of the first release carry neither)
      return withBooking(flight, {
        bookingId,
        status: booking?.status ?? 'open',
        passengers: event.data.passengers ?? [],
        checkedIn: booking?.checkedIn ?? [],
        closesAt: event.data.closesAt ?? null,
        closedReason: booking?.closedReason ?? null,
      });
    case 'PassengerCheckedIn': {
      const { passengerName, seat } = event.data;
      const known = booking?.checkedIn.find((p) => p.passengerName === passengerName);
      return withBooking(
        flight,
        withPassenger(booking ?? { ...closedBefore(bookingId), status: 'open' }, {
          passengerName,
          seat,
          boardingPassIssued: known?.boardingPassIssued ?? false,
          gate: known?.gate ?? null,
        }),
      );
    }
    case 'BoardingPassIssued': {
      const { passengerName, seat, gate } = event.data;
      return withBooking(
        flight,
        withPassenger(booking ?? { ...closedBefore(bookingId), status: 'open' }, {
          passengerName,
          seat,
          boardingPassIssued: true,
          gate: gate ?? null,
        }),
      );
    }
    case 'CheckInClosed':
      return withBooking(flight, { ...(booking ?? closedBefore(bookingId)), status: 'closed', closedReason: event.data.reason });
  }
};

/** Applies a check-in event once: an event the document already reflects returns the same document. */
export const evolve = (flight: FlightCheckIns, projected: ProjectedEvent<CheckinEvent>): FlightCheckIns => {
  if (isApplied(flight, projected)) return flight;
  return { ...applyEvent(flight, projected.event), ...markApplied(flight, projected) };
};

export type CheckInStatus = 'not-open' | 'open' | 'checked-in' | 'closed';

/**
 * What a customer sees of a booking's check-in: not open yet, open, checked in (every passenger who may check in
 * has a seat; when check-in did not list them, at least one), or closed (departed, booking or flight cancelled).
 */
export const checkInStatusOf = (booking: BookingCheckIn | undefined): CheckInStatus => {
  if (booking === undefined) return 'not-open';
  if (booking.status === 'closed') return 'closed';
  const seated = new Set(booking.checkedIn.map((p) => p.passengerName));
  const everyone = booking.passengers.length === 0 ? seated.size > 0 : booking.passengers.every((name) => seated.has(name));
  return everyone ? 'checked-in' : 'open';
};
