import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, decodeEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { flightsFullNames, type FlightsEvent } from '@waggle/schemas';
import { bookingDecider, type BookingCommand } from './booking.ts';

/** What bookings does when flights speak: a hold confirms a booking, no seats reject it, seats given back cancel it. */
const commandFor = (event: FlightsEvent): BookingCommand | undefined => {
  switch (event.type) {
    case 'SeatsHeld':
      return { type: 'ConfirmBooking', bookingId: event.data.bookingId, holdId: event.data.holdId, seats: event.data.seats };
    case 'SeatsUnavailable':
      return { type: 'RejectBooking', bookingId: event.data.bookingId, reason: event.data.reason };
    case 'SeatHoldReleased':
      // a booking whose seats flights gave back (its flight was cancelled, an operator released them) cannot stand;
      // a release that answers bookings' own cancellation or rejection finds the booking closed and changes nothing
      return { type: 'CancelBooking', bookingId: event.data.bookingId, reason: event.data.reason, byCustomer: false };
    case 'FlightScheduled':
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
export const bookingReactions = (deps: Pick<ServiceDeps, 'store' | 'serde' | 'appended'>, options: { flightsTopic: string }): Reaction => ({
  name: 'flight-reactions',
  topics: [options.flightsTopic],
  handle: async (incoming) => {
    const event = decodeEvent<FlightsEvent>(deps.serde, flightsFullNames, incoming);
    const command = event && commandFor(event);
    // holds made directly on flights (not for a booking) are none of bookings' business
    if (!command || command.bookingId.startsWith('direct-')) return;
    const result = await handleCommand(deps.store, bookingDecider, {
      streamId: command.bookingId,
      command,
      metadata: commandFromEvent(incoming, 'bookings.flight-reactions'),
    });
    if (result.events.length > 0) deps.appended();
  },
});
