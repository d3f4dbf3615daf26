import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, decodeEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { flightsFullNames, type FlightsEvent } from '@waggle/schemas';
import { bookingDecider, type BookingCommand } from './booking.ts';

/**
 * What bookings does when flights speak on its own. A booking's seats are held and sold by the book-flight saga, not
 * here; but a confirmed booking whose seats flights gave back (its flight was cancelled, an operator released them)
 * cannot stand. A release the sagas asked for finds the booking still being decided or already closed: no change.
 */
const commandFor = (event: FlightsEvent): BookingCommand | undefined => {
  switch (event.type) {
    case 'SeatHoldReleased':
      return { type: 'CancelConfirmedBooking', bookingId: event.data.bookingId, reason: event.data.reason };
    case 'FlightScheduled':
    case 'SeatsHeld':
    case 'SeatsUnavailable':
    case 'SeatsConfirmed':
    case 'FlightCancelled':
      // a cancelled flight reaches its bookings through the release of each of their holds
      return undefined;
  }
};

/**
 * Reacts to flights events with commands on bookings; idempotent because command ids derive from event ids. A
 * record that breaks its schema throws a ValidationError: dead-lettered.
 */
export const bookingReactions = (deps: Pick<ServiceDeps, 'store' | 'serde'>, options: { flightsTopic: string }): Reaction => ({
  name: 'flight-reactions',
  topics: [options.flightsTopic],
  handle: async (incoming) => {
    const event = decodeEvent<FlightsEvent>(deps.serde, flightsFullNames, incoming);
    const command = event && commandFor(event);
    // holds made directly on flights (not for a booking) are none of bookings' business
    if (!command || command.bookingId.startsWith('direct-')) return;
    await handleCommand(deps.store, bookingDecider, {
      streamId: command.bookingId,
      command,
      metadata: commandFromEvent(incoming, 'bookings.flight-reactions'),
    });
  },
});
