import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, flightsFullNames, loadSchemas, type BookingsEvent, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type CustomerBookingsConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const mongoDb = uniqueName('customer-bookings');
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'customer-bookings-test' });
const mongo = new MongoClient(stack.mongoUrl);
const logger = createLogger({ service: 'customer-bookings-test', level: 'silent' });
const configFor = (groupId: string): CustomerBookingsConfig =>
  loadConfig({
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: mongoDb,
    PORT: '0',
    GROUP_ID: groupId,
    BOOKINGS_TOPIC: bookingsTopic,
    FLIGHTS_TOPIC: flightsTopic,
  });

let service: CustomerBookingsService;
const versions = new Map<string, number>();
type Sent = { eventId: string; version: number | undefined };

/** Produces an event the way its service does (next stream version), or without a version like the CLI. */
const produce = async (event: BookingsEvent | FlightsEvent, options: { versioned?: boolean; again?: Sent } = {}): Promise<Sent> => {
  const isBooking = event.type in bookingsFullNames;
  const topic = isBooking ? bookingsTopic : flightsTopic;
  const fullName = isBooking
    ? bookingsFullNames[event.type as BookingsEvent['type']]
    : flightsFullNames[event.type as FlightsEvent['type']];
  const key = 'bookingId' in event.data && isBooking ? event.data.bookingId : event.data.flightId;
  const version =
    options.again !== undefined ? options.again.version : options.versioned === false ? undefined : (versions.get(key) ?? 0) + 1;
  if (version !== undefined && options.again === undefined) versions.set(key, version);
  const eventId = options.again?.eventId ?? randomUUID();
  await producer.send([
    {
      topic,
      key,
      value: await serde.encode(topic, fullName, event.data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: isBooking ? '/waggle/bookings' : '/waggle/flights',
          time: new Date().toISOString(),
          subject: key,
          correlationId: eventId,
          causationId: eventId,
        }),
        ...(version === undefined ? {} : { [streamVersionHeader]: String(version) }),
      },
    },
  ]);
  return { eventId, version };
};

const customerId = uniqueName('customer');
const flightId = 'LH400-2026-12-01';
const request = (bookingId: string, options: { versioned?: boolean } = {}) =>
  produce(
    {
      type: 'BookingRequested',
      data: { bookingId, customerId, flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], seats: 1 },
    },
    options,
  );

type View = Record<string, unknown>;
type Page = { items: View[]; nextCursor: string | null };
const get = async (path: string) => {
  const response = await fetch(`${service.url}${path}`);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};
const waitForBooking = (bookingId: string, expected: (booking: View) => boolean, description: string) => {
  let seen: unknown;
  return waitFor(
    async () => {
      const response = await get(`/api/v1/bookings/${bookingId}`);
      seen = response.body;
      return response.status === 200 && expected(response.body) && response.body;
    },
    { description: `${bookingId} ${description}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(seen)}`, { cause: error });
  });
};

beforeAll(async () => {
  await createTopics(
    stack.kafkaBrokers,
    [bookingsTopic, flightsTopic].map((topic) => ({ topic, partitions: 3 })),
  );
  await Promise.all([producer.start(), mongo.connect()]);
  service = await startCustomerBookings(configFor(uniqueName('customer-bookings')), logger);
});

afterAll(async () => {
  await service.stop();
  await producer.stop();
  await mongo.close();
});

describe('customer-bookings on the real stack', () => {
  it('joins route and date from a FlightScheduled that arrives after the BookingRequested', async () => {
    await request('booking-1');
    const before = await waitForBooking('booking-1', (b) => b['status'] === 'requested', 'to be requested');
    expect(before).toMatchObject({ customerId, flightId, origin: null, destination: null, date: null, seats: 1 });

    await produce({
      type: 'FlightScheduled',
      data: {
        flightId,
        flightNumber: 'LH400',
        date: '2026-12-01',
        origin: 'FRA',
        destination: 'JFK',
        departureTime: '2026-12-01T10:30:00+01:00',
        capacity: 2,
        fareCents: 49_900,
        currency: 'EUR',
      },
    });
    await produce({
      type: 'SeatsHeld',
      data: { flightId, bookingId: 'booking-1', seats: 1, holdId: 'h-1', expiresAt: '2026-11-30T10:00:00Z' },
    });
    await produce({ type: 'BookingConfirmed', data: { bookingId: 'booking-1', flightId, holdId: 'h-1', seats: 1 } });
    const after = await waitForBooking(
      'booking-1',
      (b) => b['status'] === 'confirmed' && b['origin'] === 'FRA',
      'to be confirmed with its route',
    );
    expect(after).toMatchObject({
      bookingId: 'booking-1',
      customerId,
      flightId,
      flightNumber: 'LH400',
      origin: 'FRA',
      destination: 'JFK',
      date: '2026-12-01',
      departureTime: '2026-12-01T10:30:00+01:00',
      flightStatus: 'scheduled',
      seats: 1,
      status: 'confirmed',
      reason: null,
    });
  });

  it("lists a customer's bookings with each status and reason, newest first, page by page", async () => {
    await request('booking-2');
    await produce({ type: 'BookingRejected', data: { bookingId: 'booking-2', flightId, reason: 'no seats left' } });
    await request('booking-3');
    await produce({ type: 'BookingConfirmed', data: { bookingId: 'booking-3', flightId, holdId: 'h-3', seats: 1 } });
    await produce({ type: 'BookingCancelled', data: { bookingId: 'booking-3', flightId, reason: 'changed plans' } });
    await waitForBooking('booking-3', (b) => b['status'] === 'cancelled', 'to be cancelled');
    await waitForBooking('booking-2', (b) => b['status'] === 'rejected', 'to be rejected');

    const all = (await get(`/api/v1/customers/${customerId}/bookings`)).body as unknown as Page;
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((b) => [b['bookingId'], b['status'], b['reason'], b['origin']])).toEqual([
      ['booking-3', 'cancelled', 'changed plans', 'FRA'],
      ['booking-2', 'rejected', 'no seats left', 'FRA'],
      ['booking-1', 'confirmed', null, 'FRA'],
    ]);

    const first = (await get(`/api/v1/customers/${customerId}/bookings?limit=2`)).body as unknown as Page;
    expect(first.items.map((b) => b['bookingId'])).toEqual(['booking-3', 'booking-2']);
    const second = (await get(`/api/v1/customers/${customerId}/bookings?limit=2&cursor=${first.nextCursor}`)).body as unknown as Page;
    expect(second).toMatchObject({ items: [{ bookingId: 'booking-1' }], nextCursor: null });
  });

  it('applies a redelivered event once, with or without a stream version', async () => {
    const versioned = await request('booking-4');
    await produce({ type: 'BookingConfirmed', data: { bookingId: 'booking-4', flightId, holdId: 'h-4', seats: 1 } });
    await produce(
      { type: 'BookingRequested', data: { bookingId: 'booking-4', customerId, flightId, passengers: [], seats: 1 } },
      { again: versioned },
    );

    await request('booking-5', { versioned: false });
    const rejection = await produce(
      { type: 'BookingRejected', data: { bookingId: 'booking-5', flightId, reason: 'timeout' } },
      { versioned: false },
    );
    await produce({ type: 'BookingConfirmed', data: { bookingId: 'booking-5', flightId, holdId: 'h-5', seats: 1 } }, { versioned: false });
    await produce({ type: 'BookingRejected', data: { bookingId: 'booking-5', flightId, reason: 'timeout' } }, { again: rejection });
    // a later event of each booking: once it shows, the duplicates before it were handled
    await produce({ type: 'BookingCancelled', data: { bookingId: 'booking-4', flightId, reason: 'marker' } });
    await produce({ type: 'BookingCancelled', data: { bookingId: 'booking-5', flightId, reason: 'marker' } }, { versioned: false });
    await waitForBooking('booking-4', (b) => b['reason'] === 'marker', 'to see its marker');
    await waitForBooking('booking-5', (b) => b['reason'] === 'marker', 'to see its marker');

    const bookings = mongo.db(mongoDb).collection('bookings');
    expect(await bookings.findOne({ _id: 'booking-4' as never })).toMatchObject({ version: 3, status: 'cancelled' });
    const five = await bookings.findOne({ _id: 'booking-5' as never });
    // requested, rejected, confirmed, cancelled: four events applied, the duplicate rejection not among them twice
    expect(five?.['recentEventIds']).toHaveLength(4);
  });

  it('answers 404 for an unknown booking, 400 for a bad query and an empty page for an unknown customer', async () => {
    const unknown = await get('/api/v1/bookings/no-such-booking');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (const query of ['limit=0', 'limit=abc', 'cursor=garbage', 'sort=fare']) {
      const response = await get(`/api/v1/customers/${customerId}/bookings?${query}`);
      expect(response.status, query).toBe(400);
    }
    expect((await get('/api/v1/customers/nobody/bookings')).body).toEqual({ items: [], nextCursor: null });
  });

  it('changes nothing when both topics are replayed into the same database, and records the offsets it reflects', async () => {
    const db = mongo.db(mongoDb);
    const snapshot = async () => ({
      bookings: await db.collection('bookings').find({}).sort({ _id: 1 }).toArray(),
      flights: await db.collection('flights').find({}).sort({ _id: 1 }).toArray(),
    });
    await waitForBooking('booking-5', (b) => b['reason'] === 'marker', 'to see its marker');
    const reflected = (await get('/api/v1/offsets')).body as { offsets: { topic: string }[] };
    expect(new Set(reflected.offsets.map((o) => o.topic))).toEqual(new Set([bookingsTopic, flightsTopic]));
    const before = await snapshot();
    // without the offsets, a new group replays every record into the documents and only their applied events stop it
    await db.collection('offsets').deleteMany({});
    const replay = await startCustomerBookings(configFor(uniqueName('customer-bookings-replay')), logger);
    try {
      await waitFor(async () => JSON.stringify(await (await fetch(`${replay.url}/api/v1/offsets`)).json()) === JSON.stringify(reflected), {
        description: 'the replay to reflect the same offsets',
      });
      expect(await snapshot()).toEqual(before);
    } finally {
      await replay.stop();
    }
  });

  it('serves its OpenAPI document', async () => {
    const doc = (await get('/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual([
      '/api/v1/customers/{customerId}/bookings',
      '/api/v1/bookings/{bookingId}',
      '/api/v1/offsets',
      '/api/v1/replays',
      '/api/v1/replays/pause',
      '/api/v1/replays/switch',
      '/api/v1/replays/discard',
      '/api/v1/replays/rollback',
      '/status',
    ]);
  });
});
