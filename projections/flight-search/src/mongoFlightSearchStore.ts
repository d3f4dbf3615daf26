import {
  directStorage,
  translateMongoErrors,
  type ReadModelDocuments,
  type ReflectedOffset,
  type VersionStorage,
} from '@waggle/read-model';
import type { Db, Filter } from 'mongodb';
import type { FlightAvailability } from './flightAvailability.ts';
import { routeDayId, routeDayOf as routeDayOfFlight, type RouteDay, type RouteDayEntry } from './routeDay.ts';

/** The last offset of a topic partition whose records the read model reflects. */
export type { ReflectedOffset };

export type FlightSortKey = 'departure' | 'fare';

/**
 * What each sort orders by before the flight id breaks ties. Fares in different currencies do not compare, so
 * `fare` groups flights by currency code first and orders by fare within each currency.
 */
export const flightSortFields = {
  departure: ['departureUtc'],
  fare: ['currency', 'fareCents'],
} as const satisfies Record<FlightSortKey, readonly (keyof FlightAvailability)[]>;

/** A search; `after` holds the sort field values and the id of the last flight of the previous page. */
export type FlightSearch = {
  readonly origin?: string;
  readonly destination?: string;
  readonly date?: string;
  readonly sort: FlightSortKey;
  readonly after?: { readonly values: readonly (string | number)[]; readonly flightId: string };
  readonly limit: number;
};

/** Where flight-search keeps its documents and the offsets they reflect. */
export type FlightSearchStore = {
  /** Creates the indexes and builds the route-and-day lists of a database that has none yet; call before consuming. */
  readonly start: () => Promise<void>;
  /** The projector's access to the flights: every write guarded by the revision it read. */
  readonly flightDocuments: ReadModelDocuments<FlightAvailability>;
  /** The flights of each route and day, written from the flights as they are after each batch. */
  readonly routeDayDocuments: ReadModelDocuments<RouteDay>;
  /** Records the offset that the documents written before reflect; it never moves back. */
  readonly recordOffset: (reflected: ReflectedOffset) => Promise<void>;
  readonly reflectedOffset: (topic: string, partition: number) => Promise<number | undefined>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  readonly findFlight: (flightId: string) => Promise<FlightAvailability | undefined>;
  /** Scheduled flights matching the search, sorted by the sort key and then by flight id, at most `limit`. */
  readonly searchFlights: (search: FlightSearch) => Promise<FlightAvailability[]>;
};

type FlightDoc = FlightAvailability & { _id: string; _revision?: number };

/** Keyset paging over several sort fields: strictly after `after` in the order of `fields`, then `_id`. */
const afterPosition = (fields: readonly string[], after: NonNullable<FlightSearch['after']>): Filter<FlightDoc> => {
  const equalUpTo = (count: number) => Object.fromEntries(fields.slice(0, count).map((field, i) => [field, after.values[i]]));
  return {
    $or: [
      ...fields.map((field, i) => ({ ...equalUpTo(i), [field]: { $gt: after.values[i] } })),
      { ...equalUpTo(fields.length), _id: { $gt: after.flightId } },
    ],
  };
};

const toFlight = ({ _id, _revision, ...flight }: FlightDoc): FlightAvailability => flight;

/** The order of a sort: its fields, then the flight id. */
const compareBy =
  (fields: readonly (keyof RouteDayEntry)[]) =>
  (a: readonly (string | number)[], b: readonly (string | number)[]): number => {
    for (let i = 0; i <= fields.length; i++) {
      const [x, y] = [a[i], b[i]];
      if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/** Connection trouble is worth retrying (the consumer retries, HTTP answers 503); anything else is not. */
const translated = translateMongoErrors('flight-search');

/** The document collections of a version, by their base names. */
export const flightSearchCollections = ['flights', 'route_days'] as const;

/**
 * flight-search on MongoDB without transactions, in a version's collections (`storage`): each flight document has one writer (the consumer of its
 * partition), and writes are replacements by `_id` guarded by the document's revision (a consumer evicted
 * mid-batch cannot write an older state over its successor's), so they are the same on MongoDB and on FerretDB.
 */
export const createMongoFlightSearchStore = (db: Db, storage: VersionStorage = directStorage(db)): FlightSearchStore => {
  const { collection } = storage;
  const flights = db.collection<FlightDoc>(collection('flights'));
  const offsets = storage.offsets();
  const documents = storage.documents<FlightAvailability>('flights', (flight) => flight.flightId);
  const routeDays = db.collection<{ _id: string }>(collection('route_days'));
  const routeDayDocuments = storage.documents<RouteDay>('route_days', (routeDay) => routeDay.routeDay);

  /** A database built before the route-and-day lists existed gets them from its flights, once, before consuming. */
  const backfillRouteDays = async (): Promise<void> => {
    if ((await routeDays.findOne({})) !== null || (await flights.findOne({ scheduled: true })) === null) return;
    const lists = new Map<string, RouteDayEntry[]>();
    for await (const { origin, destination, date, flightId, departureUtc, currency, fareCents } of flights.find({ scheduled: true })) {
      const id = routeDayId(origin, destination, date);
      lists.set(id, [...(lists.get(id) ?? []), { flightId, departureUtc, currency, fareCents }]);
    }
    await routeDayDocuments.save([...lists].map(([routeDay, entries]) => ({ doc: { routeDay, flights: entries }, revision: 0 })));
  };

  /**
   * The search by route and day: one `_id` read of the list, sorted and paged here, then `_id $in` reads of the
   * page's flights (an entry its flight no longer matches, moved by a hand-made FlightScheduled, is left out).
   */
  const searchRouteDay = async (search: FlightSearch & { origin: string; destination: string; date: string }) => {
    const fields = flightSortFields[search.sort];
    const id = routeDayId(search.origin, search.destination, search.date);
    const listed = (await routeDayDocuments.load([id])).get(id)?.doc.flights ?? [];
    const compare = compareBy(fields);
    const keyOf = (entry: RouteDayEntry) => [...fields.map((field) => entry[field]), entry.flightId];
    const after = search.after === undefined ? undefined : [...search.after.values, search.after.flightId];
    const entries = listed
      .filter((entry) => after === undefined || compare(keyOf(entry), after) > 0)
      .sort((a, b) => compare(keyOf(a), keyOf(b)));
    const page: FlightAvailability[] = [];
    for (let next = 0; next < entries.length && page.length < search.limit;) {
      const chunk = entries.slice(next, next + search.limit - page.length);
      next += chunk.length;
      const found = await documents.load(chunk.map((entry) => entry.flightId));
      for (const entry of chunk) {
        const flight = found.get(entry.flightId)?.doc;
        if (flight?.scheduled === true && routeDayOfFlight(flight) === id && compare(keyOf(flight), keyOf(entry)) === 0) page.push(flight);
      }
    }
    return page;
  };

  return {
    start: () =>
      translated('creating indexes', async () => {
        // searches by part of a route and day only: a real MongoDB serves them from these, FerretDB scans
        await flights.createIndex({ origin: 1, destination: 1, date: 1, departureUtc: 1, _id: 1 });
        await flights.createIndex({ origin: 1, destination: 1, date: 1, currency: 1, fareCents: 1, _id: 1 });
        await backfillRouteDays();
      }),
    flightDocuments: {
      load: (flightIds) => translated('loading flights', () => documents.load(flightIds)),
      save: (changed) => translated('saving flights', () => documents.save(changed)),
    },
    routeDayDocuments: {
      load: (ids) => translated('loading route days', () => routeDayDocuments.load(ids)),
      save: (changed) => translated('saving route days', () => routeDayDocuments.save(changed)),
    },
    recordOffset: (reflected) => translated('recording an offset', () => offsets.record(reflected)),
    reflectedOffset: (topic, partition) => translated('reading an offset', () => offsets.reflected(topic, partition)),
    offsets: () => translated('reading offsets', () => offsets.all()),
    findFlight: (flightId) =>
      translated('reading a flight', async () => {
        const doc = await flights.findOne({ _id: flightId });
        return doc === null || !doc.scheduled ? undefined : toFlight(doc);
      }),
    searchFlights: (search) =>
      translated('searching flights', async () => {
        const { origin, destination, date } = search;
        if (origin !== undefined && destination !== undefined && date !== undefined)
          return searchRouteDay({ ...search, origin, destination, date });
        const fields = flightSortFields[search.sort];
        const filter: Filter<FlightDoc> = {
          scheduled: true,
          ...(search.origin === undefined ? {} : { origin: search.origin }),
          ...(search.destination === undefined ? {} : { destination: search.destination }),
          ...(search.date === undefined ? {} : { date: search.date }),
          ...(search.after === undefined ? {} : afterPosition(fields, search.after)),
        };
        const docs = await flights
          .find(filter)
          .sort(Object.fromEntries([...fields.map((field) => [field, 1] as const), ['_id', 1] as const]))
          .limit(search.limit)
          .toArray();
        return docs.map(toFlight);
      }),
  };
};
