import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, describeGroupOffsets, readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import {
  bookingsFullNames,
  checkinFullNames,
  flightsFullNames,
  loadSchemas,
  paymentsFullNames,
  type BookingsEvent,
  type CheckinEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type CustomerBookingsConfig } from './config.ts';
import { startCustomerBookings, type CustomerBookingsService } from './customerBookingsService.ts';

const stack = inject('stack');
const bookingsTopic = uniqueName('bookings-events');
const flightsTopic = uniqueName('flights-events');
const paymentsTopic = uniqueName('payments-events');
const checkInTopic = uniqueName('checkin-events');
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
    PAYMENTS_TOPIC: paymentsTopic,
    CHECKIN_TOPIC: checkInTopic,
  });

let service: CustomerBookingsService;
const groupId = uniqueName('customer-bookings');
const versions = new Map<string, number>();
type Sent = { eventId: string; version: number | undefined };

type AnyEvent = BookingsEvent | FlightsEvent | PaymentsEvent | CheckinEvent;

/** The topic, full name and key (stream id) an event's context publishes it with. */
const placeOf = (event: AnyEvent): { topic: string; fullName: string; key: string; source: string } => {
  if (event.type in bookingsFullNames)
    return {
      topic: bookingsTopic,
      fullName: bookingsFullNames[event.type as BookingsEvent['type']],
      key: (event as BookingsEvent).data.bookingId,
      source: '/waggle/bookings',
    };
  if (event.type in paymentsFullNames)
    return {
      topic: paymentsTopic,
      fullName: paymentsFullNames[event.type as PaymentsEvent['type']],
      // the payments relay keys by booking id: one stream per booking
      key: (event as PaymentsEvent).data.bookingId,
      source: '/waggle/payments',
    };
  if (event.type in checkinFullNames)
    return {
      topic: checkInTopic,
      fullName: checkinFullNames[event.type as CheckinEvent['type']],
      // check-in keeps one stream per flight
      key: (event as CheckinEvent).data.flightId,
      source: '/waggle/checkin',
    };
  return {
    topic: flightsTopic,
    fullName: flightsFullNames[event.type as FlightsEvent['type']],
    key: (event as FlightsEvent).data.flightId,
    source: '/waggle/flights',
  };
};

type SentRecord = { topic: string; key: string; value: Buffer; headers: Record<string, string> };

/** Produces an event the way its service does (next stream version), or without a version like the CLI. */
const produce = async (event: AnyEvent, options: { versioned?: boolean; again?: Sent; sent?: SentRecord[] } = {}): Promise<Sent> => {
  const { topic, fullName, key, source } = placeOf(event);
  const stream = `${topic}|${key}`;
  const version =
    options.again !== undefined ? options.again.version : options.versioned === false ? undefined : (versions.get(stream) ?? 0) + 1;
  if (version !== undefined && options.again === undefined) versions.set(stream, version);
  const eventId = options.again?.eventId ?? randomUUID();
  const record = {
    topic,
    key,
    value: await serde.encode(topic, fullName, event.data),
    headers: {
      ...toEventHeaders({
        id: eventId,
        type: fullName,
        source,
        time: new Date().toISOString(),
        subject: key,
        correlationId: eventId,
        causationId: eventId,
      }),
      ...(version === undefined ? {} : { [streamVersionHeader]: String(version) }),
    },
  };
  options.sent?.push(record);
  await producer.send([record]);
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
    [bookingsTopic, flightsTopic, paymentsTopic, checkInTopic].map((topic) => ({ topic, partitions: 3 })),
  );
  await Promise.all([producer.start(), mongo.connect()]);
  service = await startCustomerBookings(configFor(groupId), logger);
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

  const money = (bookingId: string) => ({ paymentId: `p-${bookingId}`, bookingId, amountCents: 49_900, currency: 'EUR' });
  const paymentOf = (b: View) => b['payment'] as { status: string } | null;
  const checkInOf = (b: View) => b['checkIn'] as { status: string; passengers: { passengerName: string; seat: string | null }[] };
  // every payment and check-in record sent, to deliver them all again
  const sent: SentRecord[] = [];
  /** Every record of `topics` handled or dead-lettered by the service's group. */
  const settled = (topics: readonly string[]) =>
    waitFor(async () => (await describeGroupOffsets(stack.kafkaBrokers, groupId, { topics })).partitions.every((p) => p.lag === 0), {
      description: `every record of ${topics.join(', ')} to be handled`,
    });

  it("shows each booking's payment status with its amount and currency: captured, declined, refunded, voided", async () => {
    expect(paymentOf(await waitForBooking('booking-1', (b) => b['status'] === 'confirmed', 'to be confirmed'))).toBeNull();
    await produce({ type: 'PaymentAuthorized', data: { ...money('booking-1'), customerId } }, { sent });
    await waitForBooking('booking-1', (b) => paymentOf(b)?.status === 'authorized', 'to be authorized');
    await produce({ type: 'PaymentCaptured', data: money('booking-1') }, { sent });
    await produce({ type: 'PaymentDeclined', data: { ...money('booking-2'), reason: 'card declined', customerId } }, { sent });
    await produce({ type: 'PaymentAuthorized', data: { ...money('booking-3'), customerId } }, { sent });
    await produce({ type: 'PaymentCaptured', data: money('booking-3') }, { sent });
    await produce({ type: 'PaymentRefunded', data: { ...money('booking-3'), reason: 'booking cancelled', voided: false } }, { sent });
    await produce({ type: 'PaymentAuthorized', data: { ...money('booking-4'), amountCents: 10_000, customerId } }, { sent });
    await produce(
      { type: 'PaymentRefunded', data: { ...money('booking-4'), amountCents: 10_000, reason: 'booking rejected', voided: true } },
      { sent },
    );
    await waitForBooking('booking-4', (b) => paymentOf(b)?.status === 'voided', 'to be voided');
    expect((await get('/api/v1/bookings/booking-1')).body['payment']).toEqual({
      status: 'captured',
      amountCents: 49_900,
      currency: 'EUR',
      reason: null,
    });
    const page = (await get(`/api/v1/customers/${customerId}/bookings`)).body as unknown as Page;
    expect(page.items.map((b) => [b['bookingId'], b['payment']])).toEqual([
      ['booking-5', null],
      ['booking-4', { status: 'voided', amountCents: 10_000, currency: 'EUR', reason: 'booking rejected' }],
      ['booking-3', { status: 'refunded', amountCents: 49_900, currency: 'EUR', reason: 'booking cancelled' }],
      ['booking-2', { status: 'declined', amountCents: 49_900, currency: 'EUR', reason: 'card declined' }],
      ['booking-1', { status: 'captured', amountCents: 49_900, currency: 'EUR', reason: null }],
    ]);
  });

  it("shows each booking's check-in: not open, open, checked in with its seats, closed", async () => {
    expect((await get('/api/v1/bookings/booking-1')).body['checkIn']).toEqual({
      status: 'not-open',
      closesAt: null,
      passengers: [],
      reason: null,
    });
    const passengers = ['Ada Lovelace', 'Charles Babbage'];
    const closesAt = '2026-12-01T09:30:00.000Z';
    await produce({ type: 'CheckInOpened', data: { bookingId: 'booking-1', flightId, closesAt, passengers } }, { sent });
    const opened = await waitForBooking('booking-1', (b) => checkInOf(b).status === 'open', 'to be open for check-in');
    expect(checkInOf(opened)).toMatchObject({
      closesAt,
      passengers: [
        { passengerName: 'Ada Lovelace', seat: null },
        { passengerName: 'Charles Babbage', seat: null },
      ],
    });
    await produce(
      { type: 'PassengerCheckedIn', data: { bookingId: 'booking-1', flightId, passengerName: 'Ada Lovelace', seat: '1A' } },
      { sent },
    );
    await produce(
      { type: 'BoardingPassIssued', data: { bookingId: 'booking-1', flightId, passengerName: 'Ada Lovelace', seat: '1A', gate: 'B12' } },
      { sent },
    );
    await waitForBooking('booking-1', (b) => checkInOf(b).passengers[0]?.seat === '1A', 'to have a seat for Ada');
    // one of two passengers: still open
    expect(checkInOf((await get('/api/v1/bookings/booking-1')).body).status).toBe('open');
    await produce(
      { type: 'PassengerCheckedIn', data: { bookingId: 'booking-1', flightId, passengerName: 'Charles Babbage', seat: '1B' } },
      { sent },
    );
    const checkedIn = await waitForBooking('booking-1', (b) => checkInOf(b).status === 'checked-in', 'to be checked in');
    expect(checkedIn['checkIn']).toEqual({
      status: 'checked-in',
      closesAt,
      passengers: [
        { passengerName: 'Ada Lovelace', seat: '1A', boardingPassIssued: true, gate: 'B12' },
        { passengerName: 'Charles Babbage', seat: '1B', boardingPassIssued: false, gate: null },
      ],
      reason: null,
    });
    await produce(
      { type: 'CheckInClosed', data: { bookingId: 'booking-3', flightId, reason: 'booking cancelled: changed plans' } },
      { sent },
    );
    await produce({ type: 'CheckInClosed', data: { bookingId: 'booking-1', flightId, reason: 'departed' } }, { sent });
    const closed = await waitForBooking('booking-1', (b) => checkInOf(b).status === 'closed', 'to be closed');
    expect(closed['checkIn']).toMatchObject({ status: 'closed', reason: 'departed', passengers: [{ seat: '1A' }, { seat: '1B' }] });
    expect((await get('/api/v1/bookings/booking-3')).body['checkIn']).toMatchObject({
      status: 'closed',
      reason: 'booking cancelled: changed plans',
    });
  });

  it('shows the payment and check-in that arrived before their booking, and the flight scheduled after it', async () => {
    const laterFlight = 'LH500-2026-12-05';
    await produce({ type: 'PaymentAuthorized', data: { ...money('booking-early'), customerId } }, { sent });
    await produce({ type: 'PaymentCaptured', data: money('booking-early') }, { sent });
    await produce(
      { type: 'CheckInOpened', data: { bookingId: 'booking-early', flightId: laterFlight, closesAt: null, passengers: [] } },
      { sent },
    );
    await settled([paymentsTopic, checkInTopic]);
    expect((await get('/api/v1/bookings/booking-early')).status).toBe(404);
    await produce({
      type: 'BookingRequested',
      data: {
        bookingId: 'booking-early',
        customerId,
        flightId: laterFlight,
        passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
        seats: 1,
      },
    });
    await settled([bookingsTopic]);
    expect((await get('/api/v1/bookings/booking-early')).body).toMatchObject({
      origin: null,
      payment: { status: 'captured', amountCents: 49_900 },
      checkIn: { status: 'open', passengers: [] },
    });
    await produce({
      type: 'FlightScheduled',
      data: {
        flightId: laterFlight,
        flightNumber: 'LH500',
        date: '2026-12-05',
        origin: 'FRA',
        destination: 'EWR',
        departureTime: '2026-12-05T10:30:00+01:00',
        capacity: 2,
        fareCents: 49_900,
        currency: 'EUR',
      },
    });
    const booking = await waitForBooking('booking-early', (b) => b['origin'] === 'FRA', 'to have its route');
    expect(booking).toMatchObject({ destination: 'EWR', payment: { status: 'captured' }, checkIn: { status: 'open' } });
  });

  it('shows the same payments and check-ins when every such record is delivered twice', async () => {
    await settled([paymentsTopic, checkInTopic]);
    const db = mongo.db(mongoDb);
    // the revisions too: a redelivery writes nothing
    const documents = async () => ({
      payments: await db.collection('payments').find({}).sort({ _id: 1 }).toArray(),
      checkins: await db.collection('checkins').find({}).sort({ _id: 1 }).toArray(),
    });
    const views = async () =>
      Promise.all(['booking-1', 'booking-3', 'booking-4', 'booking-early'].map(async (id) => (await get(`/api/v1/bookings/${id}`)).body));
    const [before, viewsBefore] = [await documents(), await views()];
    expect(before.payments.length).toBe(5);
    await producer.send(sent);
    await settled([paymentsTopic, checkInTopic]);
    expect(await documents()).toEqual(before);
    expect(await views()).toEqual(viewsBefore);
  });

  it('dead-letters a poison record on the payments topic and the rest flows', async () => {
    const poisonKey = uniqueName('poison');
    await producer.send([{ topic: paymentsTopic, key: poisonKey, value: Buffer.from('not avro'), headers: {} }]);
    await produce({ type: 'PaymentDeclined', data: { ...money('booking-5'), reason: 'over limit', customerId } });
    await waitForBooking('booking-5', (b) => paymentOf(b)?.status === 'declined', 'to be declined after the poison record');
    const dead = await waitFor(
      async () => (await readTopicToEnd(stack.kafkaBrokers, `${paymentsTopic}.dlq`)).find((r) => r.key?.toString() === poisonKey),
      { description: 'the poison record on the dead-letter topic' },
    );
    expect(dead.value?.toString()).toBe('not avro');
  });

  it('changes nothing when its topics are replayed into the same database, and records the offsets it reflects', async () => {
    const db = mongo.db(mongoDb);
    const snapshot = async () => ({
      bookings: await db.collection('bookings').find({}).sort({ _id: 1 }).toArray(),
      flights: await db.collection('flights').find({}).sort({ _id: 1 }).toArray(),
      payments: await db.collection('payments').find({}).sort({ _id: 1 }).toArray(),
      checkins: await db.collection('checkins').find({}).sort({ _id: 1 }).toArray(),
    });
    await waitForBooking('booking-5', (b) => b['reason'] === 'marker', 'to see its marker');
    const reflected = (await get('/api/v1/offsets')).body as { offsets: { topic: string }[] };
    expect(new Set(reflected.offsets.map((o) => o.topic))).toEqual(new Set([bookingsTopic, flightsTopic, paymentsTopic, checkInTopic]));
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
