import type { BookingsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

/**
 * What revenue needs of a booking, from the bookings events only (its single writer is the consumer of the
 * booking's partition of the bookings topic): its flight, whether it was confirmed and cancelled, its seats.
 */
export type BookingFacts = AppliedEvents & {
  readonly bookingId: string;
  /** Null until an event of the booking named it; the first one named fixes it. */
  readonly flightId: string | null;
  readonly confirmed: boolean;
  readonly cancelled: boolean;
  /** Seats of the confirmation. */
  readonly seats: number;
  /**
   * Events applied (each once): grows with every change, so of two copies of these facts (in a flight's
   * revenue, written by several consumers) the one with more is the newer.
   */
  readonly applied: number;
};

export const initialBookingFacts = (bookingId: string): BookingFacts => ({
  ...noEventsApplied,
  bookingId,
  flightId: null,
  confirmed: false,
  cancelled: false,
  seats: 0,
  applied: 0,
});

/** Applies a bookings event once: an event the document already reflects returns the same document. */
export const evolve = (booking: BookingFacts, projected: ProjectedEvent<BookingsEvent>): BookingFacts => {
  if (isApplied(booking, projected)) return booking;
  const { event } = projected;
  const applied = {
    ...booking,
    ...markApplied(booking, projected),
    flightId: booking.flightId ?? event.data.flightId,
    applied: booking.applied + 1,
  };
  switch (event.type) {
    case 'BookingRequested':
    case 'BookingRejected':
      return applied;
    case 'BookingConfirmed':
      return { ...applied, confirmed: true, seats: event.data.seats };
    case 'BookingCancelled':
      return { ...applied, cancelled: true };
  }
};
