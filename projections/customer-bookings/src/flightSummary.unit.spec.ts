import type { FlightsEvent } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { evolve, initialFlightSummary, type FlightSummary } from './flightSummary.ts';
import type { ProjectedEvent } from '@waggle/read-model';

const flightId = 'LH400-2026-12-01';
let nextId = 0;

const projected = (event: FlightsEvent, streamVersion: number | undefined): ProjectedEvent<FlightsEvent> => ({
  event,
  eventId: `event-${++nextId}`,
  streamVersion,
  occurredAt: '2026-11-01T10:00:00.000Z',
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
const held = (version?: number) =>
  projected(
    { type: 'SeatsHeld', data: { flightId, bookingId: 'b-1', seats: 1, holdId: 'h-1', expiresAt: '2026-11-01T10:15:00Z' } },
    version,
  );
const cancelled = (version?: number) => projected({ type: 'FlightCancelled', data: { flightId, reason: 'strike' } }, version);

const given = (...events: ProjectedEvent<FlightsEvent>[]): FlightSummary => events.reduce(evolve, initialFlightSummary(flightId));

describe('a flight never heard of', () => {
  it('is scheduled with its route and departure', () => {
    expect(given(scheduled(1))).toMatchObject({
      scheduled: true,
      flightNumber: 'LH400',
      origin: 'FRA',
      destination: 'JFK',
      date: '2026-12-01',
      departureTime: '2026-12-01T10:30:00+01:00',
      status: 'scheduled',
      version: 1,
    });
  });
});

describe('a scheduled flight', () => {
  it('only counts seat events as applied, so that the next version is known', () => {
    const flight = given(scheduled(1));
    expect(evolve(flight, held(2))).toEqual({ ...flight, version: 2, recentEventIds: [...flight.recentEventIds, expect.any(String)] });
  });

  it('is cancelled by a later version, after seat events', () => {
    expect(given(scheduled(1), held(2), cancelled(3))).toMatchObject({ status: 'cancelled', version: 3 });
  });
});

describe('an event already applied', () => {
  it('changes nothing when redelivered with its stream version', () => {
    const schedule = scheduled(1);
    const flight = given(schedule);
    expect(evolve(flight, schedule)).toBe(flight);
  });

  it('changes nothing when redelivered without a stream version, by its event id', () => {
    const cancellation = cancelled();
    const flight = given(scheduled(), cancellation);
    expect(evolve(flight, cancellation)).toBe(flight);
  });
});
