import type { ProjectedEvent } from '@waggle/read-model';
import type { BookingsEvent, PaymentsEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve as evolveBooking, initialBookingFacts, type BookingFacts } from './bookingFacts.ts';
import { bookingRevenueOf, initialFlightRevenue, withBookingRevenue, type BookingRevenue } from './flightRevenue.ts';
import { evolve as evolvePayment, initialPaymentFacts, type PaymentFacts } from './paymentFacts.ts';

const flightId = 'LH400-2026-12-01';
let nextId = 0;
const projected = <E>(event: E, streamVersion: number): ProjectedEvent<E> => ({
  event,
  eventId: `event-${++nextId}`,
  streamVersion,
  occurredAt: '2026-11-01T10:00:00.000Z',
});
const bookingHistory = (bookingId: string, seats: number, cancelled: boolean): BookingFacts[] => {
  const events: BookingsEvent[] = [
    { type: 'BookingRequested', data: { bookingId, customerId: 'c-1', flightId, passengers: [], seats } },
    { type: 'BookingConfirmed', data: { bookingId, flightId, holdId: 'h', seats } },
    ...(cancelled ? [{ type: 'BookingCancelled', data: { bookingId, flightId, reason: 'changed plans' } } as const] : []),
  ];
  const states: BookingFacts[] = [];
  events.reduce((facts, event, i) => {
    const next = evolveBooking(facts, projected(event, i + 1));
    states.push(next);
    return next;
  }, initialBookingFacts(bookingId));
  return states;
};
const paymentHistory = (bookingId: string, events: readonly PaymentsEvent[]): PaymentFacts[] => {
  const states: PaymentFacts[] = [];
  events.reduce((facts, event, i) => {
    const next = evolvePayment(facts, projected(event, i + 1));
    states.push(next);
    return next;
  }, initialPaymentFacts(bookingId));
  return states;
};
const money = { paymentId: 'p', amountCents: 49_900, currency: 'EUR' };

describe("a flight's revenue fed copies of its bookings' facts", () => {
  const b1 = bookingHistory('b-1', 2, false);
  const b2 = bookingHistory('b-2', 1, true);
  const p1 = paymentHistory('b-1', [
    { type: 'PaymentAuthorized', data: { ...money, bookingId: 'b-1', customerId: 'c-1' } },
    { type: 'PaymentCaptured', data: { ...money, bookingId: 'b-1' } },
  ]);
  const p2 = paymentHistory('b-2', [
    { type: 'PaymentAuthorized', data: { ...money, bookingId: 'b-2', customerId: 'c-1' } },
    { type: 'PaymentCaptured', data: { ...money, bookingId: 'b-2' } },
    { type: 'PaymentRefunded', data: { ...money, bookingId: 'b-2', reason: 'booking cancelled', voided: false } },
  ]);
  // every copy a writer could hold: each booking's facts at each step, with its payment's at each step
  const copies: BookingRevenue[] = [
    ...b1.flatMap((b) => [undefined, ...p1].map((p) => bookingRevenueOf('b-1', b, p))),
    ...b2.flatMap((b) => [undefined, ...p2].map((p) => bookingRevenueOf('b-2', b, p))),
    ...p1.map((p) => bookingRevenueOf('b-1', undefined, p)),
  ];
  const applyAll = (order: readonly BookingRevenue[]) =>
    order.reduce((flight, copy) => withBookingRevenue(flight, [copy]), initialFlightRevenue(flightId));

  it('sums the newest copy of each booking: seats sold, cancellations, captured and refunded money', () => {
    expect(applyAll(copies).figures).toEqual({
      bookingsConfirmed: 2,
      seatsSold: 2,
      cancellations: 1,
      seatsCancelled: 1,
      revenue: [{ currency: 'EUR', capturedCents: 99_800, refundedCents: 49_900, netCents: 49_900, refunds: 1 }],
    });
  });

  it('is the same document whatever order the copies come in, and with every copy applied twice', () => {
    const forward = applyAll(copies);
    expect(applyAll([...copies].reverse())).toEqual(forward);
    expect(applyAll([...copies.filter((_, i) => i % 2 === 0), ...copies.filter((_, i) => i % 2 === 1)])).toEqual(forward);
    expect(applyAll([...copies, ...copies])).toEqual(forward);
    expect(withBookingRevenue(forward, copies)).toBe(forward);
  });

  it('counts a voided authorization as neither revenue nor a refund', () => {
    const voided = paymentHistory('b-3', [
      { type: 'PaymentAuthorized', data: { ...money, bookingId: 'b-3', customerId: 'c-1' } },
      { type: 'PaymentRefunded', data: { ...money, bookingId: 'b-3', reason: 'booking rejected', voided: true } },
    ]);
    const flight = withBookingRevenue(initialFlightRevenue(flightId), [bookingRevenueOf('b-3', undefined, voided.at(-1))]);
    expect(flight.figures.revenue).toEqual([]);
  });
});
