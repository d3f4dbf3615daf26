import type { FlightsEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve, initialFlightAvailability, type FlightAvailability } from './flightAvailability.ts';
import type { ProjectedEvent } from '@waggle/read-model';

const flightId = 'LH400-2026-12-01';
let nextId = 0;

const projected = (
  event: FlightsEvent,
  streamVersion: number | undefined,
  eventId = `event-${++nextId}`,
): ProjectedEvent<FlightsEvent> => ({
  event,
  eventId,
  streamVersion,
  occurredAt: `2026-11-01T10:00:0${streamVersion ?? 0}.000Z`,
});

const scheduled = (version?: number) =>
  projected(
    {
      type: 'FlightScheduled',
      data: {
        flightId,
        flightNumber: 'LH400',
        date: '2026-12-01',
        origin: 'FRA',
        destination: 'JFK',
        departureTime: '2026-12-01T10:30:00+01:00',
        capacity: 10,
        fareCents: 49_900,
        currency: 'EUR',
      },
    },
    version,
  );
const held = (seats: number, version?: number) =>
  projected(
    { type: 'SeatsHeld', data: { flightId, bookingId: 'b-1', seats, holdId: `h-${seats}`, expiresAt: '2026-11-01T10:15:00Z' } },
    version,
  );
const released = (seats: number, version?: number) =>
  projected({ type: 'SeatHoldReleased', data: { flightId, holdId: 'h-1', bookingId: 'b-1', seats, reason: 'expired' } }, version);

const given = (...events: ProjectedEvent<FlightsEvent>[]): FlightAvailability => events.reduce(evolve, initialFlightAvailability(flightId));

describe('a flight never heard of', () => {
  it('is scheduled with its route, fare and every seat left', () => {
    const flight = given(scheduled(1));
    expect(flight).toMatchObject({
      scheduled: true,
      flightNumber: 'LH400',
      origin: 'FRA',
      destination: 'JFK',
      date: '2026-12-01',
      departureTime: '2026-12-01T10:30:00+01:00',
      departureUtc: '2026-12-01T09:30:00.000Z',
      capacity: 10,
      seatsLeft: 10,
      fareCents: 49_900,
      currency: 'EUR',
      status: 'scheduled',
      version: 1,
      updatedAt: '2026-11-01T10:00:01.000Z',
    });
  });

  it('counts holds seen before its schedule (hand-made events) once the schedule comes', () => {
    const flight = given(held(3), scheduled());
    expect(flight.scheduled).toBe(true);
    expect(flight.seatsLeft).toBe(7);
  });
});

describe('a scheduled flight', () => {
  it('has fewer seats left after holds and more after a release', () => {
    expect(given(scheduled(1), held(2, 2), held(3, 3)).seatsLeft).toBe(5);
    expect(given(scheduled(1), held(2, 2), held(3, 3), released(2, 4)).seatsLeft).toBe(7);
  });

  it('keeps its seats left when held seats are confirmed or a request finds too few', () => {
    const before = given(scheduled(1), held(2, 2));
    const after = [
      projected({ type: 'SeatsConfirmed', data: { flightId, holdId: 'h-2', bookingId: 'b-1', seats: 2 } }, 3),
      projected(
        { type: 'SeatsUnavailable', data: { flightId, bookingId: 'b-2', seatsRequested: 20, seatsLeft: 8, reason: 'no seats' } },
        4,
      ),
    ].reduce(evolve, before);
    expect(after.seatsLeft).toBe(8);
    expect(after.version).toBe(4);
  });

  it('never shows a negative number of seats left', () => {
    expect(given(scheduled(1), held(11, 2)).seatsLeft).toBe(0);
  });

  it('is cancelled with its reason', () => {
    const flight = given(scheduled(1), projected({ type: 'FlightCancelled', data: { flightId, reason: 'strike' } }, 2));
    expect(flight).toMatchObject({ status: 'cancelled', cancelReason: 'strike', seatsLeft: 10 });
  });
});

describe('an event already applied', () => {
  it('changes nothing when redelivered with its stream version', () => {
    const hold = held(2, 2);
    const once = given(scheduled(1), hold);
    expect(evolve(once, hold)).toBe(once);
    expect(evolve(once, { ...hold, eventId: 'another-id' })).toBe(once);
  });

  it('changes nothing when an older version arrives after a newer one (a replay)', () => {
    const flight = given(scheduled(1), held(2, 2), held(3, 3));
    expect(evolve(flight, held(2, 2))).toBe(flight);
  });

  it('changes nothing when redelivered without a stream version (waggle produce), by its event id', () => {
    const hold = { ...held(2), eventId: 'cli-event-1' };
    const once = given(scheduled(), hold);
    expect(evolve(once, hold)).toBe(once);
    expect(once.seatsLeft).toBe(8);
  });

  it('still applies a different event without a version', () => {
    const flight = given(scheduled(), { ...held(2), eventId: 'cli-1' }, { ...held(2), eventId: 'cli-2' });
    expect(flight.seatsLeft).toBe(6);
  });

  it('remembers a bounded number of event ids', () => {
    const flight = Array.from({ length: 100 }, (_, i) => ({ ...held(0), eventId: `cli-${i}` })).reduce(evolve, given(scheduled()));
    expect(flight.recentEventIds).toHaveLength(64);
    expect(flight.recentEventIds.at(-1)).toBe('cli-99');
  });
});
