import { handleCommand } from '@waggle/event-store';
import { commandFromEvent, decodeEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { bookingsFullNames, type BookingsEvent } from '@waggle/schemas';
import { createBookingMembers } from './bookingMembers.ts';
import { memberDecider, type MemberCommand } from './member.ts';

/**
 * Loyalty's choreography: a confirmed booking earns its customer points, a cancelled one takes them back; nobody
 * orchestrates it. Exactly once per booking: the command id derives from the event id (a redelivery is the same
 * command) and the account earns and reverses a booking once whatever the event (a second confirmation earns
 * nothing). A record that breaks its schema throws a ValidationError: dead-lettered.
 */
export const loyaltyReactions = (
  deps: Pick<ServiceDeps, 'store' | 'serde' | 'db' | 'logger'>,
  options: { bookingsTopic: string; pointsPerSeat: number },
): Reaction => {
  const members = createBookingMembers(deps.db);
  const commandFor = async (event: BookingsEvent): Promise<MemberCommand | undefined> => {
    switch (event.type) {
      case 'BookingRequested':
        await members.remember(event.data.bookingId, event.data.customerId);
        return undefined;
      case 'BookingConfirmed': {
        const memberId = await members.memberOf(event.data.bookingId);
        if (memberId === undefined) {
          deps.logger.warn({ bookingId: event.data.bookingId }, 'a booking confirmed without its request: no member to credit');
          return undefined;
        }
        const { bookingId, seats } = event.data;
        return { type: 'EarnPoints', memberId, bookingId, seats, pointsPerSeat: options.pointsPerSeat };
      }
      case 'BookingCancelled': {
        const memberId = await members.memberOf(event.data.bookingId);
        if (memberId === undefined) return undefined;
        return { type: 'ReversePoints', memberId, bookingId: event.data.bookingId, reason: `booking cancelled: ${event.data.reason}` };
      }
      case 'BookingRejected':
        return undefined;
    }
  };
  return {
    name: 'booking-reactions',
    topics: [options.bookingsTopic],
    handle: async (incoming) => {
      const event = decodeEvent<BookingsEvent>(deps.serde, bookingsFullNames, incoming);
      const command = event && (await commandFor(event));
      if (!command) return;
      await handleCommand(deps.store, memberDecider, {
        streamId: command.memberId,
        command,
        metadata: commandFromEvent(incoming, 'loyalty.booking-reactions'),
      });
    },
  };
};
