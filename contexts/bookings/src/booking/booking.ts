import { RuleViolationError } from '@waggle/errors';
import type { BookingsEvent, Passenger } from '@waggle/schemas';

/** What deciding needs to know of a booking; not a read model. */
export type Booking =
  | { readonly status: 'none' }
  | {
      readonly status: 'requested' | 'confirmed' | 'rejected' | 'cancelled';
      readonly flightId: string;
      readonly seats: number;
      readonly holdId?: string;
    };

export type BookingCommand =
  | {
      readonly type: 'RequestBooking';
      readonly bookingId: string;
      readonly customerId: string;
      readonly flightId: string;
      readonly passengers: readonly Passenger[];
      /** The gateway token it is paid with; absent: the payments context's default. */
      readonly paymentToken?: string;
    }
  | { readonly type: 'ConfirmBooking'; readonly bookingId: string; readonly holdId: string }
  | { readonly type: 'RejectBooking'; readonly bookingId: string; readonly reason: string }
  | { readonly type: 'CancelBooking'; readonly bookingId: string; readonly reason: string; readonly byCustomer: boolean }
  /** Flights gave the seats back on its own (a cancelled flight, an operator): a confirmed booking cannot stand. */
  | { readonly type: 'CancelConfirmedBooking'; readonly bookingId: string; readonly reason: string };

export const initialState = (): Booking => ({ status: 'none' });

export const decide = (command: BookingCommand, booking: Booking): BookingsEvent[] => {
  switch (command.type) {
    case 'RequestBooking': {
      if (booking.status !== 'none') throw new RuleViolationError(`booking ${command.bookingId} already exists`);
      const { bookingId, customerId, flightId, passengers } = command;
      const paymentToken = command.paymentToken ?? null;
      return [{ type: 'BookingRequested', data: { bookingId, customerId, flightId, passengers, seats: passengers.length, paymentToken } }];
    }
    case 'ConfirmBooking':
      if (booking.status !== 'requested') return [];
      return [
        {
          type: 'BookingConfirmed',
          data: { bookingId: command.bookingId, flightId: booking.flightId, holdId: command.holdId, seats: booking.seats },
        },
      ];
    case 'RejectBooking':
      if (booking.status !== 'requested') return [];
      return [{ type: 'BookingRejected', data: { bookingId: command.bookingId, flightId: booking.flightId, reason: command.reason } }];
    case 'CancelBooking':
      if (booking.status === 'requested' || booking.status === 'confirmed') {
        return [{ type: 'BookingCancelled', data: { bookingId: command.bookingId, flightId: booking.flightId, reason: command.reason } }];
      }
      if (!command.byCustomer) return [];
      throw booking.status === 'none'
        ? new RuleViolationError(`booking ${command.bookingId} does not exist`)
        : new RuleViolationError(`booking ${command.bookingId} is ${booking.status} and cannot be cancelled`);
    case 'CancelConfirmedBooking':
      // a booking still being decided is its saga's business: the saga's own release of a hold lands here too
      if (booking.status !== 'confirmed') return [];
      return [{ type: 'BookingCancelled', data: { bookingId: command.bookingId, flightId: booking.flightId, reason: command.reason } }];
  }
};

export const evolve = (booking: Booking, event: BookingsEvent): Booking => {
  switch (event.type) {
    case 'BookingRequested':
      return { status: 'requested', flightId: event.data.flightId, seats: event.data.seats };
    case 'BookingConfirmed':
      return booking.status === 'none' ? booking : { ...booking, status: 'confirmed', holdId: event.data.holdId };
    case 'BookingRejected':
      return booking.status === 'none' ? booking : { ...booking, status: 'rejected' };
    case 'BookingCancelled':
      return booking.status === 'none' ? booking : { ...booking, status: 'cancelled' };
  }
};

/** The booking decider: stream id = booking id. */
export const bookingDecider = { initialState, decide, evolve, stateVersion: 1 };
