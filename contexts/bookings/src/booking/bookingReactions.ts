import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, type IncomingEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { bookingDecider, type BookingCommand } from './booking.ts';

/** What bookings does when flights speak: a hold confirms a booking, no seats reject it, an expired hold undoes it. */
const commandFor = (event: IncomingEvent): BookingCommand | undefined => {
  const bookingId = String(event.data['bookingId']);
  switch (event.type) {
    case 'SeatsHeld':
      return { type: 'ConfirmBooking', bookingId, holdId: String(event.data['holdId']), seats: Number(event.data['seats']) };
    case 'SeatsUnavailable':
      return { type: 'RejectBooking', bookingId, reason: String(event.data['reason']) };
    case 'SeatHoldReleased':
      // only an expiry is news to bookings; other releases answer bookings' own cancellations and rejections
      return event.data['reason'] === 'expired'
        ? { type: 'CancelBooking', bookingId, reason: 'seat hold expired', byCustomer: false }
        : undefined;
    default:
      return undefined;
  }
};

/** Reacts to flights events with commands on bookings; idempotent because command ids derive from event ids. */
export const bookingReactions = (deps: ServiceDeps, options: { flightsTopic: string }): Reaction => ({
  name: 'flight-reactions',
  topics: [options.flightsTopic],
  handle: async (event) => {
    const command = commandFor(event);
    // holds made directly on flights (not for a booking) are none of bookings' business
    if (!command || command.bookingId.startsWith('direct-')) return;
    const result = await handleCommand(deps.store, bookingDecider, {
      streamId: command.bookingId,
      command,
      metadata: commandFromEvent(event, 'bookings.flight-reactions'),
    });
    if (result.events.length > 0) deps.appended();
  },
});
