import { NotFoundError, RuleViolationError } from '@waggle/errors';
import type { CheckinEvent } from '@waggle/schemas';
import { given } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { flightCheckInDecider as decider, seatLabel, type FlightCheckInCommand } from './flightCheckIn.ts';

const flightId = 'LH400-2026-12-01';
const departure = '2026-12-01T09:00:00.000Z';
const before = '2026-11-30T12:00:00.000Z';
const opened = (bookingId: string, passengers: string[]): CheckinEvent => ({
  type: 'CheckInOpened',
  data: { bookingId, flightId, closesAt: departure, passengers },
});
const checkedIn = (bookingId: string, passengerName: string, seat: string): CheckinEvent[] => [
  { type: 'PassengerCheckedIn', data: { bookingId, flightId, passengerName, seat } },
  { type: 'BoardingPassIssued', data: { bookingId, flightId, passengerName, seat, gate: null } },
];
const closed = (bookingId: string, reason: string): CheckinEvent => ({ type: 'CheckInClosed', data: { bookingId, flightId, reason } });
const open = (bookingId: string, passengers: string[], now = before): FlightCheckInCommand => ({
  type: 'OpenCheckIn',
  flightId,
  bookingId,
  passengers,
  closesAt: departure,
  now,
});
const checkIn = (bookingId: string, passengerName: string, now = before): FlightCheckInCommand => ({
  type: 'CheckInPassenger',
  flightId,
  bookingId,
  passengerName,
  capacity: 180,
  now,
});

describe("a flight's check-in", () => {
  describe('given a booking whose check-in has not opened', () => {
    it('opens it with the passengers who may check in and the departure as its close', () => {
      expect(given(decider, []).when(open('b-1', ['Ada Lovelace']))).toEqual([opened('b-1', ['Ada Lovelace'])]);
    });
    it('does not open it once the flight has departed', () => {
      expect(given(decider, []).when(open('b-1', ['Ada Lovelace'], departure))).toEqual([]);
    });
    it('refuses a check-in', () => {
      expect(() => given(decider, []).when(checkIn('b-1', 'Ada Lovelace'))).toThrow(RuleViolationError);
    });
    it('closes it for good when the booking is cancelled first, so a late timer does not open it', () => {
      const cancel: FlightCheckInCommand = { type: 'CloseCheckIn', flightId, bookingId: 'b-1', reason: 'booking cancelled: plans changed' };
      expect(given(decider, []).when(cancel)).toEqual([closed('b-1', 'booking cancelled: plans changed')]);
      expect(given(decider, [closed('b-1', 'booking cancelled: plans changed')]).when(open('b-1', ['Ada Lovelace']))).toEqual([]);
    });
  });

  describe('given an open check-in', () => {
    const past = [opened('b-1', ['Ada Lovelace', 'Alan Turing'])];
    it('opens only once', () => {
      expect(given(decider, past).when(open('b-1', ['Ada Lovelace']))).toEqual([]);
    });
    it('checks a passenger in on the first seat and issues the boarding pass', () => {
      expect(given(decider, past).when(checkIn('b-1', 'Ada Lovelace'))).toEqual(checkedIn('b-1', 'Ada Lovelace', '1A'));
    });
    it('gives the next passenger the next seat, and the same passenger nothing new', () => {
      const after = [...past, ...checkedIn('b-1', 'Ada Lovelace', '1A')];
      expect(given(decider, after).when(checkIn('b-1', 'Alan Turing'))).toEqual(checkedIn('b-1', 'Alan Turing', '1B'));
      expect(given(decider, after).when(checkIn('b-1', 'Ada Lovelace'))).toEqual([]);
    });
    it('refuses someone who is not a passenger of the booking', () => {
      expect(() => given(decider, past).when(checkIn('b-1', 'Grace Hopper'))).toThrow(NotFoundError);
    });
    it('refuses a check-in at or after departure even before its timer closed it', () => {
      expect(() => given(decider, past).when(checkIn('b-1', 'Ada Lovelace', departure))).toThrow(RuleViolationError);
    });
    it('closes it at departure once', () => {
      const departed: FlightCheckInCommand = { type: 'CloseCheckIn', flightId, bookingId: 'b-1', reason: 'departed' };
      expect(given(decider, past).when(departed)).toEqual([closed('b-1', 'departed')]);
      expect(given(decider, [...past, closed('b-1', 'departed')]).when(departed)).toEqual([]);
    });
  });

  describe('given seats taken by several bookings', () => {
    const past = [
      opened('b-1', ['Ada Lovelace']),
      opened('b-2', ['Alan Turing']),
      ...checkedIn('b-1', 'Ada Lovelace', '1A'),
      ...checkedIn('b-2', 'Alan Turing', '1B'),
    ];
    it('never gives a taken seat', () => {
      const next = given(decider, [...past, opened('b-3', ['Grace Hopper'])]).when(checkIn('b-3', 'Grace Hopper'));
      expect(next).toEqual(checkedIn('b-3', 'Grace Hopper', '1C'));
    });
    it('gives a cancelled booking’s seat back to the next passenger', () => {
      const next = given(decider, [...past, closed('b-1', 'booking cancelled: x'), opened('b-3', ['Grace Hopper'])]).when(
        checkIn('b-3', 'Grace Hopper'),
      );
      expect(next).toEqual(checkedIn('b-3', 'Grace Hopper', '1A'));
    });
    it('refuses a check-in of a closed booking', () => {
      expect(() => given(decider, [...past, closed('b-1', 'departed')]).when(checkIn('b-1', 'Ada Lovelace'))).toThrow(RuleViolationError);
    });
  });

  describe('given a flight that is cancelled', () => {
    it("closes every open check-in and every confirmed booking's still to open, each once", () => {
      const past = [opened('b-1', ['Ada Lovelace']), opened('b-2', ['Alan Turing']), closed('b-2', 'booking cancelled: x')];
      const cancel: FlightCheckInCommand = {
        type: 'CloseFlightCheckIn',
        flightId,
        bookingIds: ['b-2', 'b-3'],
        reason: 'flight cancelled: storm',
      };
      expect(given(decider, past).when(cancel)).toEqual([
        closed('b-1', 'flight cancelled: storm'),
        closed('b-3', 'flight cancelled: storm'),
      ]);
    });
  });

  describe('given every seat of the flight taken', () => {
    it('refuses a check-in rather than give a seat twice', () => {
      const past = [opened('b-1', ['Ada Lovelace', 'Alan Turing']), ...checkedIn('b-1', 'Ada Lovelace', '1A')];
      expect(() => given(decider, past).when({ ...checkIn('b-1', 'Alan Turing'), capacity: 1 } as FlightCheckInCommand)).toThrow(
        /no seat left/,
      );
    });
  });

  it('labels seats six a row', () => {
    expect([0, 5, 6, 179].map(seatLabel)).toEqual(['1A', '1F', '2A', '30F']);
  });
});
