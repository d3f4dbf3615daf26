import { RuleViolationError } from '@waggle/errors';
import type { BookingsEvent } from '@waggle/schemas';
import { given } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { bookingDecider } from './booking.ts';

const bookingId = 'bkg-1';
const flightId = 'LH400-2026-12-01';
const passengers = [{ firstName: 'Ada', lastName: 'Lovelace' }];
const requested: BookingsEvent = {
  type: 'BookingRequested',
  data: { bookingId, customerId: 'ada', flightId, passengers, seats: 1, paymentToken: null },
};
const confirmed: BookingsEvent = { type: 'BookingConfirmed', data: { bookingId, flightId, holdId: 'hold-1', seats: 1 } };

describe('a booking', () => {
  describe('given none', () => {
    it('is requested with one seat per passenger', () => {
      expect(given(bookingDecider, []).when({ type: 'RequestBooking', bookingId, customerId: 'ada', flightId, passengers })).toEqual([
        requested,
      ]);
    });

    it('keeps the payment token it is requested with', () => {
      const [event] = given(bookingDecider, []).when({
        type: 'RequestBooking',
        bookingId,
        customerId: 'ada',
        flightId,
        passengers,
        paymentToken: 'tok_decline',
      });
      expect(event?.data).toMatchObject({ paymentToken: 'tok_decline' });
    });

    it('cannot be cancelled by a customer', () => {
      expect(() => given(bookingDecider, []).when({ type: 'CancelBooking', bookingId, reason: 'x', byCustomer: true })).toThrow(
        RuleViolationError,
      );
    });
  });

  describe('given it was requested', () => {
    it('is confirmed by held seats, once', () => {
      expect(given(bookingDecider, [requested]).when({ type: 'ConfirmBooking', bookingId, holdId: 'hold-1' })).toEqual([confirmed]);
      expect(given(bookingDecider, [requested, confirmed]).when({ type: 'ConfirmBooking', bookingId, holdId: 'hold-1' })).toEqual([]);
    });

    it('is rejected with the reason flights gave', () => {
      expect(given(bookingDecider, [requested]).when({ type: 'RejectBooking', bookingId, reason: 'not enough seats left' })).toEqual([
        { type: 'BookingRejected', data: { bookingId, flightId, reason: 'not enough seats left' } },
      ]);
    });
  });

  describe('given it was confirmed', () => {
    it('can be cancelled, and a later rejection changes nothing', () => {
      expect(
        given(bookingDecider, [requested, confirmed]).when({ type: 'CancelBooking', bookingId, reason: 'changed plans', byCustomer: true }),
      ).toEqual([{ type: 'BookingCancelled', data: { bookingId, flightId, reason: 'changed plans' } }]);
      expect(given(bookingDecider, [requested, confirmed]).when({ type: 'RejectBooking', bookingId, reason: 'late' })).toEqual([]);
    });
  });

  describe('given it was cancelled', () => {
    it('refuses a customer cancelling again, and ignores a hold expiring', () => {
      const cancelled: BookingsEvent = { type: 'BookingCancelled', data: { bookingId, flightId, reason: 'x' } };
      expect(() =>
        given(bookingDecider, [requested, cancelled]).when({ type: 'CancelBooking', bookingId, reason: 'x', byCustomer: true }),
      ).toThrow(RuleViolationError);
      expect(
        given(bookingDecider, [requested, cancelled]).when({
          type: 'CancelBooking',
          bookingId,
          reason: 'seat hold expired',
          byCustomer: false,
        }),
      ).toEqual([]);
    });
  });
});
