import type { FlightFacts } from './flightFacts.ts';
import type { FlightRevenue } from './flightRevenue.ts';
import { sumFigures, type RevenueFigures } from './revenueFigures.ts';

/** A flight's figures as its route and day list them, with the events they reflect. */
export type FlightDayEntry = { readonly flightId: string; readonly applied: number; readonly figures: RevenueFigures };

/**
 * What a route sold on a day (the flights' local departure date), pre-aggregated so that a range of days is one
 * `_id $in` read. Written by every partition of the three topics (the bookings of the flights that day have
 * different keys), so it holds a copy of each flight's figures, replaced only by one that reflects more events,
 * and the day's figures are summed from them: idempotent, and the same whatever order the writes came in.
 */
export type RouteDayRevenue = {
  readonly routeDay: string;
  readonly origin: string;
  readonly destination: string;
  readonly date: string;
  /** In flight id order. */
  readonly flights: readonly FlightDayEntry[];
  readonly figures: RevenueFigures;
};

export const routeDayId = (origin: string, destination: string, date: string): string => `${origin}|${destination}|${date}`;

/** The route and day a scheduled flight's revenue counts under; undefined before FlightScheduled. */
export const routeDayOf = (flight: FlightFacts): string | undefined =>
  flight.scheduled ? routeDayId(flight.origin, flight.destination, flight.date) : undefined;

export const initialRouteDayRevenue = (flight: FlightFacts): RouteDayRevenue => ({
  routeDay: routeDayId(flight.origin, flight.destination, flight.date),
  origin: flight.origin,
  destination: flight.destination,
  date: flight.date,
  flights: [],
  figures: sumFigures([]),
});

/** A flight's entry from its revenue document (undefined: no booking of it is known yet). */
export const flightDayEntryOf = (flightId: string, revenue: FlightRevenue | undefined): FlightDayEntry => ({
  flightId,
  applied: revenue?.applied ?? 0,
  figures: revenue?.figures ?? sumFigures([]),
});

/** The day with each flight's entry brought to the newer of stored and incoming: the same object when none is newer. */
export const withFlightEntries = (day: RouteDayRevenue, incoming: readonly FlightDayEntry[]): RouteDayRevenue => {
  const entries = new Map(day.flights.map((entry) => [entry.flightId, entry]));
  let changed = false;
  for (const entry of incoming) {
    const stored = entries.get(entry.flightId);
    if (stored !== undefined && stored.applied >= entry.applied) continue;
    entries.set(entry.flightId, entry);
    changed = true;
  }
  if (!changed) return day;
  const flights = [...entries.values()].sort((a, b) => (a.flightId < b.flightId ? -1 : a.flightId > b.flightId ? 1 : 0));
  return { ...day, flights, figures: sumFigures(flights.map((entry) => entry.figures)) };
};
