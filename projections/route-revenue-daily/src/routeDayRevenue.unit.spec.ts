import { describe, expect, it } from 'vitest';
import type { FlightFacts } from './flightFacts.ts';
import { flightDayEntryOf, initialRouteDayRevenue, routeDayOf, withFlightEntries, type FlightDayEntry } from './routeDayRevenue.ts';
import { noFigures } from './revenueFigures.ts';

const flight = (flightId: string): FlightFacts => ({
  flightId,
  version: 1,
  recentEventIds: [],
  scheduled: true,
  origin: 'FRA',
  destination: 'JFK',
  date: '2026-12-01',
});
const entry = (flightId: string, applied: number, seatsSold: number): FlightDayEntry => ({
  flightId,
  applied,
  figures: { ...noFigures, bookingsConfirmed: seatsSold, seatsSold },
});

describe("a route's day fed copies of its flights' figures", () => {
  const day = initialRouteDayRevenue(flight('LH400-2026-12-01'));

  it('is listed under the route and the local departure date, only once scheduled', () => {
    expect(day).toMatchObject({ routeDay: 'FRA|JFK|2026-12-01', origin: 'FRA', destination: 'JFK', date: '2026-12-01' });
    expect(routeDayOf({ ...flight('LH400-2026-12-01'), scheduled: false })).toBeUndefined();
  });

  it('sums the newest copy of each flight, whatever order the copies come in', () => {
    const copies = [
      entry('LH402-2026-12-01', 2, 1),
      entry('LH400-2026-12-01', 3, 4),
      entry('LH400-2026-12-01', 1, 2),
      entry('LH402-2026-12-01', 5, 3),
    ];
    const forward = copies.reduce((d, c) => withFlightEntries(d, [c]), day);
    const backward = [...copies].reverse().reduce((d, c) => withFlightEntries(d, [c]), day);
    expect(backward).toEqual(forward);
    expect(forward.figures).toMatchObject({ seatsSold: 7, bookingsConfirmed: 7 });
    expect(forward.flights.map((f) => [f.flightId, f.applied])).toEqual([
      ['LH400-2026-12-01', 3],
      ['LH402-2026-12-01', 5],
    ]);
    expect(withFlightEntries(forward, copies)).toBe(forward);
  });

  it('lists a scheduled flight without bookings with zero figures, replaced by its first figures', () => {
    const empty = withFlightEntries(day, [flightDayEntryOf('LH404-2026-12-01', undefined)]);
    expect(empty.flights).toEqual([{ flightId: 'LH404-2026-12-01', applied: 0, figures: noFigures }]);
    expect(withFlightEntries(empty, [entry('LH404-2026-12-01', 1, 2)]).figures.seatsSold).toBe(2);
  });
});
