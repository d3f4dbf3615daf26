import type { PaymentsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';

export type PaymentStatus = 'none' | 'authorized' | 'declined' | 'captured' | 'refunded' | 'voided';

/**
 * A booking's payment as its customer sees it, from the payments events only: the payments relay keys them by
 * booking id (one stream per booking), so the single writer is the consumer of the booking's partition of the
 * payments topic. Joined with the booking when it is read, by `_id`.
 */
export type BookingPayment = AppliedEvents & {
  readonly bookingId: string;
  /** 'none' until a payment event was applied. */
  readonly status: PaymentStatus;
  /** Of the last payment event: authorized, declined, captured, refunded or voided, in the minor unit. */
  readonly amountCents: number | null;
  readonly currency: string | null;
  /** Why it was declined, refunded or voided. */
  readonly reason: string | null;
  /** `ce_time` of the last event applied. */
  readonly updatedAt: string | null;
};

export const initialBookingPayment = (bookingId: string): BookingPayment => ({
  ...noEventsApplied,
  bookingId,
  status: 'none',
  amountCents: null,
  currency: null,
  reason: null,
  updatedAt: null,
});

const applyEvent = (payment: BookingPayment, event: PaymentsEvent): BookingPayment => {
  const { amountCents, currency } = event.data;
  switch (event.type) {
    case 'PaymentAuthorized':
      return { ...payment, status: 'authorized', amountCents, currency, reason: null };
    case 'PaymentDeclined':
      return { ...payment, status: 'declined', amountCents, currency, reason: event.data.reason };
    case 'PaymentCaptured':
      return { ...payment, status: 'captured', amountCents, currency, reason: null };
    case 'PaymentRefunded':
      // voided: the authorization was released before capture, no money had been taken (absent in older events)
      return { ...payment, status: (event.data.voided ?? false) ? 'voided' : 'refunded', amountCents, currency, reason: event.data.reason };
  }
};

/** Applies a payments event once: an event the document already reflects returns the same document. */
export const evolve = (payment: BookingPayment, projected: ProjectedEvent<PaymentsEvent>): BookingPayment => {
  if (isApplied(payment, projected)) return payment;
  return { ...applyEvent(payment, projected.event), ...markApplied(payment, projected), updatedAt: projected.occurredAt };
};
