import type { BookingsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

export type BookingStatus = 'requested' | 'confirmed' | 'rejected' | 'cancelled';

/**
 * A booking as its customer sees it, from the bookings events only (its single writer is the consumer of its
 * partition of the bookings topic). Route and departure are joined from the flight documents when it is read.
 */
export type CustomerBooking = AppliedEvents & {
  readonly bookingId: string;
  /** Null until BookingRequested was applied (hand-made events may bring an outcome first). */
  readonly customerId: string | null;
  readonly flightId: string;
  readonly seats: number;
  readonly status: BookingStatus;
  /** Why it was rejected or cancelled. */
  readonly reason: string | null;
  /** `ce_time` of BookingRequested: a customer's bookings are listed newest first by it. */
  readonly requestedAt: string | null;
  /** `ce_time` of the last event applied. */
  readonly updatedAt: string | null;
};

export const initialCustomerBooking = (bookingId: string): CustomerBooking => ({
  ...noEventsApplied,
  bookingId,
  customerId: null,
  flightId: '',
  seats: 0,
  status: 'requested',
  reason: null,
  requestedAt: null,
  updatedAt: null,
});

const applyEvent = (booking: CustomerBooking, event: BookingsEvent, occurredAt: string): CustomerBooking => {
  switch (event.type) {
    case 'BookingRequested': {
      const { customerId, flightId, seats } = event.data;
      // the status is left alone: a request arriving after its outcome (hand-made events) does not undo it
      return { ...booking, customerId, flightId, seats, requestedAt: occurredAt };
    }
    case 'BookingConfirmed':
      return { ...booking, flightId: event.data.flightId, seats: event.data.seats, status: 'confirmed', reason: null };
    case 'BookingRejected':
      return { ...booking, flightId: event.data.flightId, status: 'rejected', reason: event.data.reason };
    case 'BookingCancelled':
      return { ...booking, flightId: event.data.flightId, status: 'cancelled', reason: event.data.reason };
  }
};

/** Applies a bookings event once: an event the document already reflects returns the same document. */
export const evolve = (booking: CustomerBooking, projected: ProjectedEvent<BookingsEvent>): CustomerBooking => {
  if (isApplied(booking, projected)) return booking;
  return {
    ...applyEvent(booking, projected.event, projected.occurredAt),
    ...markApplied(booking, projected),
    updatedAt: projected.occurredAt,
  };
};
