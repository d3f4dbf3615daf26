import type { ProjectedEvent } from '@waggle/read-model';
import type { PaymentsEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve, initialBookingPayment } from './bookingPayment.ts';

const bookingId = 'b-1';
const money = { paymentId: 'p-1', bookingId, amountCents: 49_900, currency: 'EUR' };
let nextId = 0;
const projected = (event: PaymentsEvent, streamVersion: number): ProjectedEvent<PaymentsEvent> => ({
  event,
  eventId: `event-${++nextId}`,
  streamVersion,
  occurredAt: `2026-11-01T10:00:0${streamVersion}.000Z`,
});
const fold = (events: readonly PaymentsEvent[]) =>
  events.reduce((payment, event, i) => evolve(payment, projected(event, i + 1)), initialBookingPayment(bookingId));
const authorized: PaymentsEvent = { type: 'PaymentAuthorized', data: { ...money, customerId: 'c-1' } };

describe("a booking's payment", () => {
  it('is authorized, then captured, then refunded, with the amount and currency of each step', () => {
    expect(fold([authorized])).toMatchObject({ status: 'authorized', amountCents: 49_900, currency: 'EUR', version: 1 });
    const refunded = fold([
      authorized,
      { type: 'PaymentCaptured', data: money },
      { type: 'PaymentRefunded', data: { ...money, amountCents: 20_000, reason: 'booking cancelled', voided: false } },
    ]);
    expect(refunded).toMatchObject({ status: 'refunded', amountCents: 20_000, reason: 'booking cancelled', version: 3 });
  });

  it('is voided when the authorization was released before capture, and declined with its reason', () => {
    expect(fold([authorized, { type: 'PaymentRefunded', data: { ...money, reason: 'booking rejected', voided: true } }])).toMatchObject({
      status: 'voided',
      reason: 'booking rejected',
    });
    expect(fold([{ type: 'PaymentDeclined', data: { ...money, reason: 'card declined', customerId: 'c-1' } }])).toMatchObject({
      status: 'declined',
      reason: 'card declined',
    });
  });

  it('returns the same document for a redelivered event', () => {
    const event = projected(authorized, 1);
    const payment = evolve(initialBookingPayment(bookingId), event);
    expect(evolve(payment, event)).toBe(payment);
  });
});
