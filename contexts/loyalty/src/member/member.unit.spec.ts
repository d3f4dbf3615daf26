import type { LoyaltyEvent } from '@waggle/schemas';
import { given } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { balanceOf, memberDecider, type MemberCommand } from './member.ts';

const earn: MemberCommand = { type: 'EarnPoints', memberId: 'm-1', bookingId: 'b-1', seats: 2, pointsPerSeat: 500 };
const reverse: MemberCommand = { type: 'ReversePoints', memberId: 'm-1', bookingId: 'b-1', reason: 'booking cancelled: plans changed' };
const earned: LoyaltyEvent = {
  type: 'PointsEarned',
  data: { memberId: 'm-1', bookingId: 'b-1', points: 1000, reason: 'booking b-1 confirmed: 2 seat(s) × 500 points' },
};
const reversed: LoyaltyEvent = {
  type: 'PointsReversed',
  data: { memberId: 'm-1', bookingId: 'b-1', points: 1000, reason: 'booking cancelled: plans changed' },
};

describe('a member account', () => {
  describe('given no entry for the booking', () => {
    it('earns points per seat for a confirmed booking', () => {
      expect(given(memberDecider, []).when(earn)).toEqual([earned]);
    });
    it('reverses nothing for a cancellation that comes before or without a confirmation', () => {
      expect(given(memberDecider, []).when(reverse)).toEqual([]);
    });
    it('earns nothing for a booking of no seats', () => {
      expect(given(memberDecider, []).when({ ...earn, seats: 0 })).toEqual([]);
    });
  });

  describe('given points earned for the booking', () => {
    it('earns nothing the second time the booking is confirmed', () => {
      expect(given(memberDecider, [earned]).when(earn)).toEqual([]);
    });
    it('takes back exactly the points earned when the booking is cancelled', () => {
      expect(given(memberDecider, [earned]).when({ ...reverse })).toEqual([reversed]);
    });
    it('counts them in the balance', () => {
      expect(balanceOf(given(memberDecider, [earned]).state())).toBe(1000);
    });
  });

  describe('given the points of the booking reversed', () => {
    it('reverses nothing a second time', () => {
      expect(given(memberDecider, [earned, reversed]).when(reverse)).toEqual([]);
    });
    it('does not earn again for the same booking', () => {
      expect(given(memberDecider, [earned, reversed]).when(earn)).toEqual([]);
    });
    it('leaves the other bookings in the balance', () => {
      const other: LoyaltyEvent = { type: 'PointsEarned', data: { ...earned.data, bookingId: 'b-2', points: 500 } };
      expect(balanceOf(given(memberDecider, [earned, other, reversed]).state())).toBe(500);
    });
  });
});
