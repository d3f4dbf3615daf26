import { createMongoOffsets, translateMongoErrors, type ReflectedOffset } from '@waggle/read-model';
import { MongoClient, type Collection, type Filter } from 'mongodb';
import type { CustomerBooking } from './customerBooking.ts';
import type { FlightSummary } from './flightSummary.ts';

/** The last offset of a topic partition whose records the read model reflects. */
export type { ReflectedOffset };

/** Where a page of a customer's bookings (newest first) ends. */
export type BookingsPosition = { readonly requestedAt: string; readonly bookingId: string };

/** Where customer-bookings keeps its two document kinds and the offsets they reflect. */
export type CustomerBookingsStore = {
  readonly start: () => Promise<void>;
  readonly stop: () => Promise<void>;
  readonly ping: () => Promise<void>;
  readonly loadBookings: (bookingIds: readonly string[]) => Promise<Map<string, CustomerBooking>>;
  readonly loadFlights: (flightIds: readonly string[]) => Promise<Map<string, FlightSummary>>;
  /** Writes the documents, then the offset they reflect. */
  readonly saveBatch: (
    changed: { readonly bookings: readonly CustomerBooking[]; readonly flights: readonly FlightSummary[] },
    reflected: ReflectedOffset,
  ) => Promise<void>;
  readonly reflectedOffset: (topic: string, partition: number) => Promise<number | undefined>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  readonly findBooking: (bookingId: string) => Promise<CustomerBooking | undefined>;
  /** A customer's bookings, newest request first (ties by booking id), after `after`, at most `limit`. */
  readonly customerBookings: (customerId: string, options: { after?: BookingsPosition; limit: number }) => Promise<CustomerBooking[]>;
};

type Doc<T> = T & { _id: string };

const withoutId = <T>({ _id, ...rest }: Doc<T>): T => rest as T;

/** Connection trouble is worth retrying (the consumer retries, HTTP answers 503); anything else is not. */
const translated = translateMongoErrors('customer-bookings');

// one lookup per id: FerretDB uses its index for `{_id: value}` only, not for `$in`
const loadByIds = async <T extends object>(collection: Collection<Doc<T>>, ids: readonly string[]): Promise<Map<string, T>> => {
  const docs = await Promise.all(ids.map((_id) => collection.findOne({ _id } as Filter<Doc<T>>)));
  return new Map(docs.flatMap((doc) => (doc === null ? [] : [[doc._id, withoutId<T>(doc as Doc<T>)] as const])));
};

const replaceAll = async <T extends object>(
  collection: Collection<Doc<T>>,
  docs: readonly T[],
  idOf: (doc: T) => string,
): Promise<void> => {
  if (docs.length === 0) return;
  await collection.bulkWrite(
    docs.map((doc) => ({ replaceOne: { filter: { _id: idOf(doc) } as Filter<Doc<T>>, replacement: doc as Doc<T>, upsert: true } })),
    { ordered: false },
  );
};

/**
 * customer-bookings on MongoDB without transactions: booking documents are written only from the bookings topic
 * and flight documents only from the flights topic, each by the consumer of its partition, and every write is a
 * replacement by `_id`; the two are joined when read, by `_id` lookups.
 */
export const createMongoCustomerBookingsStore = (options: { url: string; dbName: string }): CustomerBookingsStore => {
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(options.dbName);
  const bookings = db.collection<Doc<CustomerBooking>>('bookings');
  const flights = db.collection<Doc<FlightSummary>>('flights');
  const offsets = createMongoOffsets(db);

  return {
    start: async () => {
      await client.connect();
      // a real MongoDB lists a customer's bookings from this index; FerretDB scans the collection for it
      await bookings.createIndex({ customerId: 1, requestedAt: -1, _id: -1 });
    },
    stop: () => client.close(),
    ping: () => translated('ping', async () => void (await db.command({ ping: 1 }))),
    loadBookings: (bookingIds) => translated('loading bookings', () => loadByIds(bookings, bookingIds)),
    loadFlights: (flightIds) => translated('loading flights', () => loadByIds(flights, flightIds)),
    saveBatch: (changed, reflected) =>
      translated('saving a batch', async () => {
        await replaceAll(bookings, changed.bookings, (booking) => booking.bookingId);
        await replaceAll(flights, changed.flights, (flight) => flight.flightId);
        await offsets.record(reflected);
      }),
    reflectedOffset: (topic, partition) => translated('reading an offset', () => offsets.reflected(topic, partition)),
    offsets: () => translated('reading offsets', () => offsets.all()),
    findBooking: (bookingId) =>
      translated('reading a booking', async () => {
        const doc = await bookings.findOne({ _id: bookingId });
        return doc === null ? undefined : withoutId<CustomerBooking>(doc);
      }),
    customerBookings: (customerId, { after, limit }) =>
      translated("reading a customer's bookings", async () => {
        const filter: Filter<Doc<CustomerBooking>> = {
          customerId,
          ...(after === undefined
            ? {}
            : {
                $or: [{ requestedAt: { $lt: after.requestedAt } }, { requestedAt: after.requestedAt, _id: { $lt: after.bookingId } }],
              }),
        };
        const docs = await bookings.find(filter).sort({ requestedAt: -1, _id: -1 }).limit(limit).toArray();
        return docs.map((doc) => withoutId<CustomerBooking>(doc));
      }),
  };
};
