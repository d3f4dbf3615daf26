import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, decodeEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { bookingsFullNames, type BookingsEvent } from '@waggle/schemas';
import { flightDecider, type FlightCommand } from './flight.ts';

/** What flights does when bookings speak (choreography: flights never calls bookings, nor bookings flights). */
const commandFor = (event: BookingsEvent): FlightCommand | undefined => {
  switch (event.type) {
    case 'BookingRequested': {
      const { flightId, bookingId, seats } = event.data;
      // no deadline: bookings answers every hold (confirms it, or has cancelled or been rejected, which releases
      // it), and a deadline could only race that answer, cancelling a booking already shown confirmed
      return { type: 'HoldSeats', flightId, bookingId, holdId: `hold-${bookingId}`, seats, expiresAt: null };
    }
    case 'BookingConfirmed':
      return { type: 'ConfirmHold', flightId: event.data.flightId, holdId: event.data.holdId };
    case 'BookingCancelled':
      return { type: 'ReleaseBookingHold', flightId: event.data.flightId, bookingId: event.data.bookingId, reason: 'booking cancelled' };
    case 'BookingRejected':
      return { type: 'ReleaseBookingHold', flightId: event.data.flightId, bookingId: event.data.bookingId, reason: 'booking rejected' };
  }
};

/**
 * Reacts to bookings events with commands on flights; idempotent because command ids derive from event ids (and
 * the flight answers a booking once). A record that breaks its schema throws a ValidationError: dead-lettered.
 */
export const flightReactions = (deps: Pick<ServiceDeps, 'store' | 'serde' | 'appended'>, options: { bookingsTopic: string }): Reaction => ({
  name: 'booking-reactions',
  topics: [options.bookingsTopic],
  handle: async (incoming) => {
    const event = decodeEvent<BookingsEvent>(deps.serde, bookingsFullNames, incoming);
    const command = event && commandFor(event);
    if (!command) return;
    const result = await handleCommand(deps.store, flightDecider, {
      streamId: command.flightId,
      command,
      metadata: commandFromEvent(incoming, 'flights.booking-reactions'),
    });
    if (result.events.length > 0) deps.appended();
  },
});
