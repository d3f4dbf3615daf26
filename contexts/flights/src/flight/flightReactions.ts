import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, type IncomingEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { flightDecider, type FlightCommand } from './flight.ts';

const str = (event: IncomingEvent, field: string): string => String(event.data[field]);

/** What flights does when bookings speak (choreography: flights never calls bookings, nor bookings flights). */
const commandFor = (event: IncomingEvent, holdTtlSeconds: number): FlightCommand | undefined => {
  const flightId = str(event, 'flightId');
  const bookingId = str(event, 'bookingId');
  switch (event.type) {
    case 'BookingRequested':
      return {
        type: 'HoldSeats',
        flightId,
        bookingId,
        holdId: `hold-${bookingId}`,
        seats: Number(event.data['seats']),
        expiresAt: new Date(Date.parse(event.meta.time) + holdTtlSeconds * 1000).toISOString(),
      };
    case 'BookingConfirmed':
      return { type: 'ConfirmHold', flightId, holdId: str(event, 'holdId') };
    case 'BookingCancelled':
      return { type: 'ReleaseBookingHold', flightId, bookingId, reason: 'booking cancelled' };
    case 'BookingRejected':
      return { type: 'ReleaseBookingHold', flightId, bookingId, reason: 'booking rejected' };
    default:
      return undefined;
  }
};

/** Reacts to bookings events with commands on flights; idempotent because command ids derive from event ids. */
export const flightReactions = (deps: ServiceDeps, options: { bookingsTopic: string; holdTtlSeconds: number }): Reaction => ({
  name: 'booking-reactions',
  topics: [options.bookingsTopic],
  handle: async (event) => {
    const command = commandFor(event, options.holdTtlSeconds);
    if (!command) return;
    const result = await handleCommand(deps.store, flightDecider, {
      streamId: command.flightId,
      command,
      metadata: commandFromEvent(event, 'flights.booking-reactions'),
    });
    if (result.events.length > 0) deps.appended();
  },
});
