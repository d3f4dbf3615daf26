import { describe, expect, it } from 'vitest';
import { initialFlightAvailability, type FlightAvailability } from './flightAvailability.ts';
import { routeDayOf, withFlights, type RouteDay } from './routeDay.ts';

const flight = (flightId: string, changes: Partial<FlightAvailability> = {}): FlightAvailability => ({
  ...initialFlightAvailability(flightId),
  scheduled: true,
  origin: 'FRA',
  destination: 'JFK',
  date: '2026-12-01',
  departureUtc: '2026-12-01T09:30:00.000Z',
  currency: 'EUR',
  fareCents: 49_900,
  ...changes,
});
const empty: RouteDay = { routeDay: 'FRA|JFK|2026-12-01', flights: [] };

describe("a route and day's list", () => {
  it('is listed under by scheduled flights only', () => {
    expect(routeDayOf(flight('LH400-2026-12-01'))).toBe('FRA|JFK|2026-12-01');
    expect(routeDayOf(initialFlightAvailability('LH400-2026-12-01'))).toBeUndefined();
  });

  it('is the same object when a redelivered batch lists a flight as it is already', () => {
    const list = withFlights(empty, [flight('a')]);
    expect(withFlights(list, [flight('a', { seatsLeft: 3 })])).toBe(list);
  });

  it('holds one entry per flight, with its current sort values', () => {
    const list = withFlights(withFlights(empty, [flight('a'), flight('b')]), [flight('a', { fareCents: 10_000 })]);
    expect(list.flights.map((f) => [f.flightId, f.fareCents])).toEqual([
      ['a', 10_000],
      ['b', 49_900],
    ]);
  });

  it('stores the same list whatever order its flights came in', () => {
    expect(withFlights(empty, [flight('b'), flight('a')])).toEqual(withFlights(withFlights(empty, [flight('a')]), [flight('b')]));
  });
});
