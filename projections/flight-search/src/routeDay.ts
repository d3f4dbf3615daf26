import type { FlightAvailability } from './flightAvailability.ts';

/** A flight's place in its route and day's list: what the searches sort by, and its id. */
export type RouteDayEntry = Pick<FlightAvailability, 'flightId' | 'departureUtc' | 'currency' | 'fareCents'>;

/**
 * The flights of one route on one day, pre-aggregated so that the search by origin, destination and date (most of
 * the traffic) is one `_id` read and one `_id $in` read of the page's flights, on MongoDB and FerretDB alike.
 * Written by every partition of the flights topic (a route's flights have different keys), hence a set by flight
 * id that an update brings to the flight's current state, idempotently.
 */
export type RouteDay = { readonly routeDay: string; readonly flights: readonly RouteDayEntry[] };

export const routeDayId = (origin: string, destination: string, date: string): string => `${origin}|${destination}|${date}`;

/** The route and day a scheduled flight is listed under; undefined before FlightScheduled. */
export const routeDayOf = (flight: FlightAvailability): string | undefined =>
  flight.scheduled ? routeDayId(flight.origin, flight.destination, flight.date) : undefined;

const entryOf = ({ flightId, departureUtc, currency, fareCents }: FlightAvailability): RouteDayEntry => ({
  flightId,
  departureUtc,
  currency,
  fareCents,
});

const sameEntry = (a: RouteDayEntry, b: RouteDayEntry): boolean =>
  a.flightId === b.flightId && a.departureUtc === b.departureUtc && a.currency === b.currency && a.fareCents === b.fareCents;

/** The list with each flight as it is now: the same object when every one is listed so already. */
export const withFlights = (routeDay: RouteDay, flights: readonly FlightAvailability[]): RouteDay => {
  const entries = flights.map(entryOf);
  const changed = entries.filter((entry) => !routeDay.flights.some((listed) => sameEntry(listed, entry)));
  if (changed.length === 0) return routeDay;
  const ids = new Set(changed.map((entry) => entry.flightId));
  // kept in flight id order: the partitions' writes come in any order, and a rebuild must store the same document
  const listed = [...routeDay.flights.filter((entry) => !ids.has(entry.flightId)), ...changed];
  return { ...routeDay, flights: listed.sort((a, b) => (a.flightId < b.flightId ? -1 : a.flightId > b.flightId ? 1 : 0)) };
};
