import {
  directStorage,
  translateMongoErrors,
  type ReadModelDocuments,
  type ReflectedOffset,
  type VersionStorage,
} from '@waggle/read-model';
import type { Db } from 'mongodb';
import type { BookingPayment } from './bookingPayment.ts';
import type { CustomerBooking } from './customerBooking.ts';
import { entriesAfter, withBookings, type BookingsPosition, type CustomerIndex } from './customerIndex.ts';
import type { FlightCheckIns } from './flightCheckIns.ts';
import type { FlightSummary } from './flightSummary.ts';

/** The last offset of a topic partition whose records the read model reflects. */
export type { ReflectedOffset };

export type { BookingsPosition };

/** Where customer-bookings keeps its documents and the offsets they reflect. */
export type CustomerBookingsStore = {
  /** Builds the customers' lists from the bookings of a database that has none yet; call before consuming. */
  readonly start: () => Promise<void>;
  readonly loadFlights: (flightIds: readonly string[]) => Promise<Map<string, FlightSummary>>;
  readonly loadPayments: (bookingIds: readonly string[]) => Promise<Map<string, BookingPayment>>;
  readonly loadCheckIns: (flightIds: readonly string[]) => Promise<Map<string, FlightCheckIns>>;
  /** The projector's access to the documents: every write guarded by the revision it read. */
  readonly bookingDocuments: ReadModelDocuments<CustomerBooking>;
  readonly flightDocuments: ReadModelDocuments<FlightSummary>;
  readonly paymentDocuments: ReadModelDocuments<BookingPayment>;
  readonly checkInDocuments: ReadModelDocuments<FlightCheckIns>;
  /** Each customer's bookings in list order, written from the bookings as they are after each batch. */
  readonly customerDocuments: ReadModelDocuments<CustomerIndex>;
  /** Records the offset that the documents written before reflect; it never moves back. */
  readonly recordOffset: (reflected: ReflectedOffset) => Promise<void>;
  readonly reflectedOffset: (topic: string, partition: number) => Promise<number | undefined>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  readonly findBooking: (bookingId: string) => Promise<CustomerBooking | undefined>;
  /** A customer's bookings, newest request first (ties by booking id), after `after`, at most `limit`. */
  readonly customerBookings: (customerId: string, options: { after?: BookingsPosition; limit: number }) => Promise<CustomerBooking[]>;
};

type Doc<T> = T & { _id: string; _revision?: number };

const withoutId = <T>({ _id, _revision, ...rest }: Doc<T>): T => rest as T;

/** Connection trouble is worth retrying (the consumer retries, HTTP answers 503); anything else is not. */
const translated = translateMongoErrors('customer-bookings');

const translatedDocuments = <D>(kind: string, documents: ReadModelDocuments<D>): ReadModelDocuments<D> => ({
  load: (ids) => translated(`loading ${kind}`, () => documents.load(ids)),
  save: (changed) => translated(`saving ${kind}`, () => documents.save(changed)),
});

/** The document collections of a version, by their base names. */
export const customerBookingsCollections = ['bookings', 'flights', 'customers', 'payments', 'checkins'] as const;

/**
 * customer-bookings on MongoDB without transactions, in a version's collections (`storage`): booking documents are written only from the bookings topic,
 * flight documents only from the flights topic, payment documents only from the payments topic and check-in
 * documents only from the check-in topic, each by the consumer of its partition, and every write is a
 * replacement by `_id` guarded by the document's revision (a consumer evicted mid-batch cannot write an older state
 * over its successor's); the two are joined when read, by `_id` lookups.
 */
export const createMongoCustomerBookingsStore = (db: Db, storage: VersionStorage = directStorage(db)): CustomerBookingsStore => {
  const { collection } = storage;
  const bookings = db.collection<Doc<CustomerBooking>>(collection('bookings'));
  const offsets = storage.offsets();
  const bookingDocuments = translatedDocuments(
    'bookings',
    storage.documents<CustomerBooking>('bookings', (b) => b.bookingId),
  );
  const flightDocuments = translatedDocuments(
    'flights',
    storage.documents<FlightSummary>('flights', (f) => f.flightId),
  );
  const paymentDocuments = translatedDocuments(
    'payments',
    storage.documents<BookingPayment>('payments', (p) => p.bookingId),
  );
  const checkInDocuments = translatedDocuments(
    'check-ins',
    storage.documents<FlightCheckIns>('checkins', (c) => c.flightId),
  );
  const customers = db.collection<Doc<CustomerIndex>>(collection('customers'));
  const customerDocuments = translatedDocuments(
    'customers',
    storage.documents<CustomerIndex>('customers', (c) => c.customerId),
  );

  /** A database built before the customers' lists existed gets them from its bookings, once, before consuming. */
  const backfillCustomers = async (): Promise<void> => {
    if ((await customers.findOne({})) !== null || (await bookings.findOne({})) === null) return;
    const lists = new Map<string, BookingsPosition[]>();
    for await (const { customerId, requestedAt, bookingId } of bookings.find(
      { customerId: { $type: 'string' }, requestedAt: { $type: 'string' } },
      { projection: { customerId: 1, requestedAt: 1, bookingId: 1 } },
    )) {
      if (customerId === null || requestedAt === null) continue;
      lists.set(customerId, [...(lists.get(customerId) ?? []), { requestedAt, bookingId }]);
    }
    await customerDocuments.save(
      [...lists].map(([customerId, positions]) => ({ doc: withBookings({ customerId, entries: [] }, positions), revision: 0 })),
    );
  };

  /** The page's bookings in list order, leaving out entries their booking no longer matches (moved by hand-made events). */
  const pageOf = async (customerId: string, entries: readonly BookingsPosition[], limit: number): Promise<CustomerBooking[]> => {
    const page: CustomerBooking[] = [];
    for (let next = 0; next < entries.length && page.length < limit;) {
      const chunk = entries.slice(next, next + limit - page.length);
      next += chunk.length;
      const found = await bookingDocuments.load(chunk.map((entry) => entry.bookingId));
      for (const entry of chunk) {
        const booking = found.get(entry.bookingId)?.doc;
        if (booking?.customerId === customerId && booking.requestedAt === entry.requestedAt) page.push(booking);
      }
    }
    return page;
  };

  return {
    start: () => translated("building the customers' lists", backfillCustomers),
    loadFlights: async (flightIds) =>
      new Map([...(await flightDocuments.load(flightIds))].map(([flightId, { doc }]) => [flightId, doc] as const)),
    loadPayments: async (bookingIds) =>
      new Map([...(await paymentDocuments.load(bookingIds))].map(([bookingId, { doc }]) => [bookingId, doc] as const)),
    loadCheckIns: async (flightIds) =>
      new Map([...(await checkInDocuments.load(flightIds))].map(([flightId, { doc }]) => [flightId, doc] as const)),
    bookingDocuments,
    flightDocuments,
    paymentDocuments,
    checkInDocuments,
    customerDocuments,
    recordOffset: (reflected) => translated('recording an offset', () => offsets.record(reflected)),
    reflectedOffset: (topic, partition) => translated('reading an offset', () => offsets.reflected(topic, partition)),
    offsets: () => translated('reading offsets', () => offsets.all()),
    findBooking: (bookingId) =>
      translated('reading a booking', async () => {
        const doc = await bookings.findOne({ _id: bookingId });
        return doc === null ? undefined : withoutId<CustomerBooking>(doc);
      }),
    // one `_id` read of the customer's list, then `_id $in` reads of the page's bookings: no scan, on MongoDB and FerretDB
    customerBookings: (customerId, { after, limit }) =>
      translated("reading a customer's bookings", async () => {
        const index = (await customerDocuments.load([customerId])).get(customerId)?.doc;
        return index === undefined ? [] : pageOf(customerId, entriesAfter(index, after), limit);
      }),
  };
};
