import type { BookingsEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve, initialCustomerBooking, type CustomerBooking } from './customerBooking.ts';
import type { ProjectedEvent } from '@waggle/read-model';

const bookingId = 'booking-1';
const flightId = 'LH400-2026-12-01';
let nextId = 0;

const projected = (event: BookingsEvent, streamVersion: number | undefined): ProjectedEvent<BookingsEvent> => ({
  event,
  eventId: `event-${++nextId}`,
  streamVersion,
  occurredAt: `2026-11-01T10:00:0${streamVersion ?? 9}.000Z`,
});

const requested = (version?: number) =>
  projected(
    {
      type: 'BookingRequested',
      data: { bookingId, customerId: 'customer-7', flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
    },
    version,
  );
const confirmed = (version?: number) =>
  projected({ type: 'BookingConfirmed', data: { bookingId, flightId, holdId: 'h-1', seats: 1 } }, version);
const rejected = (version?: number) =>
  projected({ type: 'BookingRejected', data: { bookingId, flightId, reason: 'no seats left' } }, version);
const cancelled = (version?: number) =>
  projected({ type: 'BookingCancelled', data: { bookingId, flightId, reason: 'changed plans' } }, version);

const given = (...events: ProjectedEvent<BookingsEvent>[]): CustomerBooking => events.reduce(evolve, initialCustomerBooking(bookingId));

describe('a booking never heard of', () => {
  it('is requested by its customer for a flight, without passenger names', () => {
    const booking = given(requested(1));
    expect(booking).toEqual({
      bookingId,
      customerId: 'customer-7',
      flightId,
      seats: 1,
      status: 'requested',
      reason: null,
      requestedAt: '2026-11-01T10:00:01.000Z',
      updatedAt: '2026-11-01T10:00:01.000Z',
      version: 1,
      recentEventIds: [expect.any(String)],
    });
  });
});

describe('a requested booking', () => {
  it('is confirmed', () => {
    expect(given(requested(1), confirmed(2))).toMatchObject({
      status: 'confirmed',
      reason: null,
      version: 2,
      updatedAt: '2026-11-01T10:00:02.000Z',
    });
  });

  it('is rejected with its reason', () => {
    expect(given(requested(1), rejected(2))).toMatchObject({ status: 'rejected', reason: 'no seats left' });
  });

  it('is cancelled with its reason once confirmed', () => {
    expect(given(requested(1), confirmed(2), cancelled(3))).toMatchObject({ status: 'cancelled', reason: 'changed plans' });
  });
});

describe('hand-made events out of order (no stream version)', () => {
  it('keeps the outcome when the request comes after it, and fills in the customer', () => {
    expect(given(confirmed(), requested())).toMatchObject({ status: 'confirmed', customerId: 'customer-7' });
  });
});

describe('an event already applied', () => {
  it('changes nothing when redelivered with its stream version, or replayed after newer ones', () => {
    const confirmation = confirmed(2);
    const booking = given(requested(1), confirmation);
    expect(evolve(booking, confirmation)).toBe(booking);
    expect(evolve(booking, requested(1))).toBe(booking);
  });

  it('changes nothing when redelivered without a stream version, by its event id', () => {
    const rejection = rejected();
    const once = given(requested(), rejection, confirmed());
    expect(evolve(once, rejection)).toBe(once);
    expect(once.status).toBe('confirmed');
  });
});
