import type { PaymentsEvent } from '@waggle/schemas';
import { isApplied, markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from '@waggle/read-model';
import { addAmount, type CurrencyAmount } from './revenueFigures.ts';

/**
 * A booking's money, from the payments events only (the payments relay keys them by booking id, one stream per
 * booking, so the single writer is the consumer of the booking's partition of the payments topic). It names the
 * booking only: it waits here until the booking's flight is known, and is folded in then.
 */
export type PaymentFacts = AppliedEvents & {
  readonly bookingId: string;
  readonly captured: readonly CurrencyAmount[];
  /** Refunds of captured money; a voided authorization took no money and is not one. */
  readonly refunded: readonly CurrencyAmount[];
  /** Events applied (each once): of two copies of these facts the one with more is the newer. */
  readonly applied: number;
};

export const initialPaymentFacts = (bookingId: string): PaymentFacts => ({
  ...noEventsApplied,
  bookingId,
  captured: [],
  refunded: [],
  applied: 0,
});

/** Applies a payments event once: an event the document already reflects returns the same document. */
export const evolve = (payment: PaymentFacts, projected: ProjectedEvent<PaymentsEvent>): PaymentFacts => {
  if (isApplied(payment, projected)) return payment;
  const applied = { ...payment, ...markApplied(payment, projected), applied: payment.applied + 1 };
  const { event } = projected;
  switch (event.type) {
    case 'PaymentAuthorized':
    case 'PaymentDeclined':
      return applied;
    case 'PaymentCaptured':
      return { ...applied, captured: addAmount(payment.captured, event.data.currency, event.data.amountCents) };
    case 'PaymentRefunded':
      // voided: an authorization released before capture, neither revenue nor a refund (absent in older events)
      if (event.data.voided ?? false) return applied;
      return { ...applied, refunded: addAmount(payment.refunded, event.data.currency, event.data.amountCents) };
  }
};
