import { RuleViolationError } from '@waggle/errors';
import type { FlightsEvent } from '@waggle/schemas';
import { given } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { flightDecider } from './flight.ts';

const flightId = 'LH400-2026-12-01';
const scheduled: FlightsEvent = {
  type: 'FlightScheduled',
  data: {
    flightId,
    flightNumber: 'LH400',
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:00:00+01:00',
    capacity: 2,
    fareCents: 45_000,
    currency: 'EUR',
  },
};
const held = (bookingId: string, seats = 1): FlightsEvent => ({
  type: 'SeatsHeld',
  data: { flightId, bookingId, seats, holdId: `hold-${bookingId}`, expiresAt: '2026-11-25T10:15:00.000Z' },
});
const hold = (bookingId: string, seats = 1) => ({
  type: 'HoldSeats' as const,
  flightId,
  bookingId,
  holdId: `hold-${bookingId}`,
  seats,
  expiresAt: '2026-11-25T10:15:00.000Z',
});

describe('a flight', () => {
  describe('given none was scheduled', () => {
    it('schedules it', () => {
      const { type: _t, ...data } = { type: 'ScheduleFlight' as const, ...scheduled.data };
      expect(given(flightDecider, []).when({ type: 'ScheduleFlight', ...data })).toEqual([scheduled]);
    });

    it('answers a hold with SeatsUnavailable "unknown flight", once per booking', () => {
      expect(given(flightDecider, []).when(hold('b1'))).toEqual([
        { type: 'SeatsUnavailable', data: { flightId, bookingId: 'b1', seatsRequested: 1, seatsLeft: 0, reason: 'unknown flight' } },
      ]);
      const refused: FlightsEvent = {
        type: 'SeatsUnavailable',
        data: { flightId, bookingId: 'b1', seatsRequested: 1, seatsLeft: 0, reason: 'unknown flight' },
      };
      expect(given(flightDecider, [refused]).when(hold('b1'))).toEqual([]);
    });
  });

  describe('given it is scheduled with 2 seats', () => {
    it('refuses to schedule it again', () => {
      const { type: _t, ...data } = { type: 'ScheduleFlight' as const, ...scheduled.data };
      expect(() => given(flightDecider, [scheduled]).when({ type: 'ScheduleFlight', ...data })).toThrow(RuleViolationError);
    });

    it('holds seats while there are enough, then answers SeatsUnavailable', () => {
      expect(given(flightDecider, [scheduled]).when(hold('b1'))).toEqual([held('b1')]);
      expect(given(flightDecider, [scheduled, held('b1'), held('b2')]).when(hold('b3'))).toEqual([
        { type: 'SeatsUnavailable', data: { flightId, bookingId: 'b3', seatsRequested: 1, seatsLeft: 0, reason: 'not enough seats left' } },
      ]);
    });

    it('answers a redelivered booking request only once', () => {
      expect(given(flightDecider, [scheduled, held('b1')]).when(hold('b1'))).toEqual([]);
    });

    it('confirms a hold once, and releases a hold giving its seats back', () => {
      const past = [scheduled, held('b1', 2)];
      expect(given(flightDecider, past).when({ type: 'ConfirmHold', flightId, holdId: 'hold-b1' })).toEqual([
        { type: 'SeatsConfirmed', data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 2 } },
      ]);
      const released: FlightsEvent = {
        type: 'SeatHoldReleased',
        data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 2, reason: 'booking cancelled' },
      };
      expect(
        given(flightDecider, past).when({ type: 'ReleaseBookingHold', flightId, bookingId: 'b1', reason: 'booking cancelled' }),
      ).toEqual([released]);
      expect(given(flightDecider, [...past, released]).state()).toMatchObject({ seatsLeft: 2, holds: {} });
      expect(given(flightDecider, [...past, released]).when({ type: 'ReleaseHold', flightId, holdId: 'hold-b1', reason: 'again' })).toEqual(
        [],
      );
    });

    it('expires an unconfirmed hold only once it is due', () => {
      const past = [scheduled, held('b1')];
      expect(given(flightDecider, past).when({ type: 'ExpireHold', flightId, holdId: 'hold-b1', now: '2026-11-25T10:14:59.000Z' })).toEqual(
        [],
      );
      expect(given(flightDecider, past).when({ type: 'ExpireHold', flightId, holdId: 'hold-b1', now: '2026-11-25T10:15:00.000Z' })).toEqual(
        [{ type: 'SeatHoldReleased', data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 1, reason: 'expired' } }],
      );
      const confirmed: FlightsEvent = { type: 'SeatsConfirmed', data: { flightId, holdId: 'hold-b1', bookingId: 'b1', seats: 1 } };
      expect(
        given(flightDecider, [...past, confirmed]).when({
          type: 'ExpireHold',
          flightId,
          holdId: 'hold-b1',
          now: '2027-01-01T00:00:00.000Z',
        }),
      ).toEqual([]);
    });
  });

  describe("given a booking's hold (no deadline) and a hold taken over the API (a deadline)", () => {
    const forBooking: FlightsEvent = {
      type: 'SeatsHeld',
      data: { flightId, bookingId: 'b1', seats: 1, holdId: 'hold-b1', expiresAt: null },
    };
    const expire = (holdId: string) => ({ type: 'ExpireHold' as const, flightId, holdId, now: '2027-01-01T00:00:00.000Z' });

    it("never expires the booking's hold: its confirmation may still be on its way", () => {
      expect(given(flightDecider, [scheduled, forBooking]).when(expire('hold-b1'))).toEqual([]);
    });

    it('expires the one with a deadline', () => {
      expect(given(flightDecider, [scheduled, forBooking, held('d1')]).when(expire('hold-d1'))).toEqual([
        { type: 'SeatHoldReleased', data: { flightId, holdId: 'hold-d1', bookingId: 'd1', seats: 1, reason: 'expired' } },
      ]);
    });
  });

  describe('given an open hold and a sold one', () => {
    const sold: FlightsEvent = { type: 'SeatsConfirmed', data: { flightId, holdId: 'hold-b2', bookingId: 'b2', seats: 1 } };
    const past = [scheduled, held('b1'), held('b2'), sold];
    const cancel = { type: 'CancelFlight' as const, flightId, reason: 'strike' };
    const released = (bookingId: string): FlightsEvent => ({
      type: 'SeatHoldReleased',
      data: { flightId, holdId: `hold-${bookingId}`, bookingId, seats: 1, reason: 'flight cancelled: strike' },
    });

    it('cancelling the flight gives back both, in the same batch, so each booking hears of it', () => {
      expect(given(flightDecider, past).when(cancel)).toEqual([
        { type: 'FlightCancelled', data: { flightId, reason: 'strike' } },
        released('b1'),
        released('b2'),
      ]);
      const after = [...past, ...given(flightDecider, past).when(cancel)];
      expect(given(flightDecider, after).state()).toMatchObject({ status: 'cancelled', seatsLeft: 2, holds: {} });
    });

    it("a booking's confirmation or cancellation arriving after that changes nothing", () => {
      const after = [...past, ...given(flightDecider, past).when(cancel)];
      expect(given(flightDecider, after).when({ type: 'ConfirmHold', flightId, holdId: 'hold-b1' })).toEqual([]);
      expect(
        given(flightDecider, after).when({ type: 'ReleaseBookingHold', flightId, bookingId: 'b2', reason: 'booking cancelled' }),
      ).toEqual([]);
      expect(() => given(flightDecider, after).when(cancel)).toThrow(RuleViolationError);
    });

    it('a sold hold never expires', () => {
      expect(given(flightDecider, past).when({ type: 'ExpireHold', flightId, holdId: 'hold-b2', now: '2027-01-01T00:00:00.000Z' })).toEqual(
        [],
      );
    });
  });

  describe('given it is cancelled', () => {
    it('refuses every hold with the reason', () => {
      const cancelled: FlightsEvent = { type: 'FlightCancelled', data: { flightId, reason: 'strike' } };
      expect(given(flightDecider, [scheduled, cancelled]).when(hold('b1'))[0]).toMatchObject({
        type: 'SeatsUnavailable',
        data: { reason: 'flight cancelled' },
      });
    });
  });
});
