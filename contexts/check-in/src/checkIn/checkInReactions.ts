import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, decodeEvent, type IncomingEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { bookingsFullNames, flightsFullNames, type BookingsEvent, type FlightsEvent } from '@waggle/schemas';
import { windowOf, type CheckInRecords } from './checkInRecords.ts';
import type { CheckInTimers } from './checkInTimers.ts';
import { flightCheckInDecider, type FlightCheckInCommand } from './flightCheckIn.ts';

type Deps = Pick<ServiceDeps, 'store' | 'serde'>;
type Options = { readonly opensBeforeSeconds: number };

const run = async (deps: Deps, command: FlightCheckInCommand, incoming: IncomingEvent, reaction: string): Promise<void> => {
  await handleCommand(deps.store, flightCheckInDecider, {
    streamId: command.flightId,
    command,
    metadata: commandFromEvent(incoming, reaction),
  });
};

/**
 * Check-in's choreography on bookings: a request tells who travels, a confirmation sets the booking's check-in
 * timer, a cancellation closes its check-in (open or still to open). Idempotent: the rows are upserts, the
 * commands' ids derive from the event ids and the flight decides each booking's opening and closing once.
 * A record that breaks its schema throws a ValidationError: dead-lettered.
 */
export const bookingReactions = (
  deps: Deps,
  records: CheckInRecords,
  timers: Pick<CheckInTimers, 'wake'>,
  options: Options & { bookingsTopic: string },
): Reaction => ({
  name: 'booking-reactions',
  topics: [options.bookingsTopic],
  handle: async (incoming) => {
    const event = decodeEvent<BookingsEvent>(deps.serde, bookingsFullNames, incoming);
    switch (event?.type) {
      case 'BookingRequested': {
        const { bookingId, flightId, passengers } = event.data;
        await records.rememberBooking(
          bookingId,
          flightId,
          passengers.map((p) => `${p.firstName} ${p.lastName}`),
        );
        return;
      }
      case 'BookingConfirmed': {
        const { bookingId, flightId } = event.data;
        const booking = await records.confirmBooking(bookingId, flightId);
        // closed already (this is a redelivery): the timer is gone for good
        if (booking.closed) return;
        // the timer first, the flight second: a FlightScheduled handled meanwhile times it, one handled before is read here
        await records.addTimer(bookingId, flightId);
        const flight = await records.flight(flightId);
        if (flight.cancelled !== undefined) {
          const reason = `flight cancelled: ${flight.cancelled}`;
          await run(deps, { type: 'CloseCheckIn', flightId, bookingId, reason }, incoming, 'checkin.booking-reactions');
          await records.closeBooking(bookingId);
        } else if (flight.departureTime !== undefined) {
          const window = windowOf(flight.departureTime, options.opensBeforeSeconds);
          await records.timeTimers({ flightId, bookingId }, window);
          timers.wake(window.opensAt);
        }
        return;
      }
      case 'BookingCancelled': {
        const { bookingId, flightId, reason } = event.data;
        // a booking never confirmed has no check-in to close
        if (!(await records.booking(bookingId))?.confirmed) return;
        const command: FlightCheckInCommand = { type: 'CloseCheckIn', flightId, bookingId, reason: `booking cancelled: ${reason}` };
        await run(deps, command, incoming, 'checkin.booking-reactions');
        await records.closeBooking(bookingId);
        return;
      }
      case 'BookingRejected':
      case undefined:
        return;
    }
  },
});

/**
 * Check-in's choreography on flights: a schedule gives the flight's bookings their check-in window (and the seats
 * it may give), a cancellation closes the check-in of every confirmed booking of the flight.
 */
export const flightReactions = (
  deps: Deps,
  records: CheckInRecords,
  timers: Pick<CheckInTimers, 'wake'>,
  options: Options & { flightsTopic: string },
): Reaction => ({
  name: 'flight-reactions',
  topics: [options.flightsTopic],
  handle: async (incoming) => {
    const event = decodeEvent<FlightsEvent>(deps.serde, flightsFullNames, incoming);
    switch (event?.type) {
      case 'FlightScheduled': {
        const { flightId, capacity } = event.data;
        const departureTime = new Date(event.data.departureTime).toISOString();
        // the flight first, the timers second (see BookingConfirmed)
        await records.rememberFlight(flightId, departureTime, capacity);
        const window = windowOf(departureTime, options.opensBeforeSeconds);
        await records.timeTimers({ flightId }, window);
        timers.wake(window.opensAt);
        return;
      }
      case 'FlightCancelled': {
        const { flightId, reason } = event.data;
        // the flight first, its bookings second: a confirmation handled meanwhile reads the cancellation
        await records.cancelFlight(flightId, reason);
        const bookingIds = await records.confirmedBookingsOf(flightId);
        await run(
          deps,
          { type: 'CloseFlightCheckIn', flightId, bookingIds, reason: `flight cancelled: ${reason}` },
          incoming,
          'checkin.flight-reactions',
        );
        await records.removeTimersOf(flightId);
        return;
      }
      case 'SeatsHeld':
      case 'SeatsUnavailable':
      case 'SeatsConfirmed':
      case 'SeatHoldReleased':
      case undefined:
        return;
    }
  },
});
