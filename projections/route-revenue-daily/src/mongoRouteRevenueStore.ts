import {
  directStorage,
  translateMongoErrors,
  type ReadModelDocuments,
  type ReflectedOffset,
  type VersionStorage,
} from '@waggle/read-model';
import type { Db } from 'mongodb';
import type { BookingFacts } from './bookingFacts.ts';
import type { FlightFacts } from './flightFacts.ts';
import type { FlightRevenue } from './flightRevenue.ts';
import type { PaymentFacts } from './paymentFacts.ts';
import type { RouteDayRevenue } from './routeDayRevenue.ts';

/** Where route-revenue-daily keeps its facts, the figures derived from them, and the offsets they reflect. */
export type RouteRevenueStore = {
  /** One per topic's stream, each written only by the consumer of that stream's partition. */
  readonly flightDocuments: ReadModelDocuments<FlightFacts>;
  readonly bookingDocuments: ReadModelDocuments<BookingFacts>;
  readonly paymentDocuments: ReadModelDocuments<PaymentFacts>;
  /** Derived, with several writers: copies replaced by newer ones. */
  readonly flightRevenueDocuments: ReadModelDocuments<FlightRevenue>;
  readonly routeDayDocuments: ReadModelDocuments<RouteDayRevenue>;
  /** Records the offset that the documents written before reflect; it never moves back. */
  readonly recordOffset: (reflected: ReflectedOffset) => Promise<void>;
  readonly reflectedOffset: (topic: string, partition: number) => Promise<number | undefined>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  /** The route's days among `routeDays` (ids), those that have figures. */
  readonly loadRouteDays: (routeDays: readonly string[]) => Promise<RouteDayRevenue[]>;
};

/** Connection trouble is worth retrying (the consumer retries, HTTP answers 503); anything else is not. */
const translated = translateMongoErrors('route-revenue-daily');

const translatedDocuments = <D>(kind: string, documents: ReadModelDocuments<D>): ReadModelDocuments<D> => ({
  load: (ids) => translated(`loading ${kind}`, () => documents.load(ids)),
  save: (changed) => translated(`saving ${kind}`, () => documents.save(changed)),
});

/** The document collections of a version, by their base names. */
export const routeRevenueCollections = ['flights', 'bookings', 'payments', 'flight_revenue', 'route_days'] as const;

/**
 * route-revenue-daily on MongoDB without transactions, in a version's collections (`storage`): every
 * write is a replacement by `_id` guarded by the revision it read, every read an `_id` or `_id $in` read, so it is
 * the same on MongoDB and FerretDB.
 */
export const createMongoRouteRevenueStore = (db: Db, storage: VersionStorage = directStorage(db)): RouteRevenueStore => {
  const offsets = storage.offsets();
  const routeDayDocuments = translatedDocuments(
    'route days',
    storage.documents<RouteDayRevenue>('route_days', (day) => day.routeDay),
  );
  return {
    flightDocuments: translatedDocuments(
      'flights',
      storage.documents<FlightFacts>('flights', (f) => f.flightId),
    ),
    bookingDocuments: translatedDocuments(
      'bookings',
      storage.documents<BookingFacts>('bookings', (b) => b.bookingId),
    ),
    paymentDocuments: translatedDocuments(
      'payments',
      storage.documents<PaymentFacts>('payments', (p) => p.bookingId),
    ),
    flightRevenueDocuments: translatedDocuments(
      'flight revenue',
      storage.documents<FlightRevenue>('flight_revenue', (f) => f.flightId),
    ),
    routeDayDocuments,
    recordOffset: (reflected) => translated('recording an offset', () => offsets.record(reflected)),
    reflectedOffset: (topic, partition) => translated('reading an offset', () => offsets.reflected(topic, partition)),
    offsets: () => translated('reading offsets', () => offsets.all()),
    loadRouteDays: async (routeDays) => {
      const found = await routeDayDocuments.load(routeDays);
      return routeDays.flatMap((id) => {
        const day = found.get(id)?.doc;
        return day === undefined ? [] : [day];
      });
    },
  };
};
