import type { ProjectedEvent } from '@waggle/read-model';
import type { CheckinEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { checkInStatusOf, evolve, initialFlightCheckIns, type FlightCheckIns } from './flightCheckIns.ts';

const flightId = 'LH400-2026-12-01';
let nextId = 0;
const projected = (event: CheckinEvent, streamVersion: number | undefined): ProjectedEvent<CheckinEvent> => ({
  event,
  eventId: `event-${++nextId}`,
  streamVersion,
  occurredAt: '2026-12-01T08:00:00.000Z',
});
const fold = (events: readonly CheckinEvent[]): FlightCheckIns =>
  events.reduce((flight, event, i) => evolve(flight, projected(event, i + 1)), initialFlightCheckIns(flightId));
const entryOf = (flight: FlightCheckIns, bookingId: string) => flight.bookings.find((b) => b.bookingId === bookingId);

const opened = (bookingId: string, passengers: string[]): CheckinEvent => ({
  type: 'CheckInOpened',
  data: { bookingId, flightId, closesAt: '2026-12-01T09:30:00Z', passengers },
});
const checkedIn = (bookingId: string, passengerName: string, seat: string): CheckinEvent => ({
  type: 'PassengerCheckedIn',
  data: { bookingId, flightId, passengerName, seat },
});

describe("a flight's check-ins", () => {
  it('is not open for a booking it has no event of', () => {
    expect(checkInStatusOf(entryOf(fold([opened('b-1', ['Ada Lovelace'])]), 'b-2'))).toBe('not-open');
  });

  it('is open until every passenger who may check in has a seat, then checked in', () => {
    const partly = fold([opened('b-1', ['Ada Lovelace', 'Charles Babbage']), checkedIn('b-1', 'Ada Lovelace', '1A')]);
    expect(checkInStatusOf(entryOf(partly, 'b-1'))).toBe('open');
    const all = evolve(partly, projected(checkedIn('b-1', 'Charles Babbage', '1B'), 3));
    expect(checkInStatusOf(entryOf(all, 'b-1'))).toBe('checked-in');
    expect(entryOf(all, 'b-1')?.checkedIn.map((p) => [p.passengerName, p.seat])).toEqual([
      ['Ada Lovelace', '1A'],
      ['Charles Babbage', '1B'],
    ]);
  });

  it('is checked in after one passenger when check-in did not list them, and keeps the boarding pass and gate', () => {
    const flight = fold([
      opened('b-1', []),
      checkedIn('b-1', 'Ada Lovelace', '1A'),
      { type: 'BoardingPassIssued', data: { bookingId: 'b-1', flightId, passengerName: 'Ada Lovelace', seat: '1A', gate: 'B12' } },
    ]);
    expect(checkInStatusOf(entryOf(flight, 'b-1'))).toBe('checked-in');
    expect(entryOf(flight, 'b-1')?.checkedIn).toEqual([
      { passengerName: 'Ada Lovelace', seat: '1A', boardingPassIssued: true, gate: 'B12' },
    ]);
  });

  it('is closed with its reason, the seats given kept, also for a booking whose check-in never opened', () => {
    const flight = fold([
      opened('b-1', ['Ada Lovelace']),
      checkedIn('b-1', 'Ada Lovelace', '1A'),
      { type: 'CheckInClosed', data: { bookingId: 'b-1', flightId, reason: 'departed' } },
      { type: 'CheckInClosed', data: { bookingId: 'b-0', flightId, reason: 'booking cancelled: changed plans' } },
    ]);
    expect(entryOf(flight, 'b-1')).toMatchObject({ status: 'closed', closedReason: 'departed', checkedIn: [{ seat: '1A' }] });
    expect(checkInStatusOf(entryOf(flight, 'b-0'))).toBe('closed');
    expect(flight.bookings.map((b) => b.bookingId)).toEqual(['b-0', 'b-1']);
  });

  it('returns the same document for a redelivered event', () => {
    const event = projected(opened('b-1', ['Ada Lovelace']), 1);
    const flight = evolve(initialFlightCheckIns(flightId), event);
    expect(evolve(flight, event)).toBe(flight);
  });
});
