import { randomUUID } from 'node:crypto';
import type { RunningService } from '@waggle/event-sourced-service';
import { createConsumer, createProducer, createTopics, readDeadLetterHeaders, readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, flightsFullNames, loadSchemas, type BookingsEvent, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCheckIn } from './checkInService.ts';
import { loadConfig } from './config.ts';

const stack = inject('stack');
const brokers = [stack.kafkaBrokers].flat();
const logger = createLogger({ service: 'check-in-test', level: 'silent' });
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers, clientId: 'check-in-test' });
const versions = new Map<string, number>();
type Sent = { eventId: string; version: number };
type Published = { type: string; key: string; data: Record<string, unknown>; time: string };
const passengersOf = (count: number) => Array.from({ length: count }, (_, i) => ({ firstName: 'Ada', lastName: `Lovelace${i}` }));

/** Produces an event as the bookings or flights relay does (key = stream id, next stream version), or the same record again. */
const produce = async (topic: string, fullName: string, key: string, data: object, again?: Sent): Promise<Sent> => {
  const version = again?.version ?? (versions.get(key) ?? 0) + 1;
  if (again === undefined) versions.set(key, version);
  const eventId = again?.eventId ?? randomUUID();
  await producer.send([
    {
      topic,
      key,
      value: await serde.encode(topic, fullName, data),
      headers: {
        ...toEventHeaders({
          id: eventId,
          type: fullName,
          source: '/waggle/test',
          time: new Date().toISOString(),
          subject: key,
          correlationId: eventId,
          causationId: eventId,
        }),
        [streamVersionHeader]: String(version),
      },
    },
  ]);
  return { eventId, version };
};

/**
 * A check-in service with its own database and topics, opening check-in `windowSeconds` before departure, the
 * bookings and flights it is told of, and a tail of what it publishes. Its input topics have one partition each:
 * once a later record of a topic shows its effect, the ones before it were handled.
 */
const createStage = (windowSeconds: number) => {
  const bookingsTopic = uniqueName('bookings-events');
  const flightsTopic = uniqueName('flights-events');
  const checkinTopic = uniqueName('checkin-events');
  const env = {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MONGO_URL: stack.mongoUrl,
    MONGO_DB: uniqueName('check-in'),
    PORT: '0',
    CHECKIN_TOPIC: checkinTopic,
    BOOKINGS_TOPIC: bookingsTopic,
    FLIGHTS_TOPIC: flightsTopic,
    CHECKIN_OPENS_BEFORE_SECONDS: String(windowSeconds),
    // a timer another instance set is seen within this
    CHECKIN_TIMER_RECHECK_MS: '300',
  };
  /** Every record the check-in relay published, decoded. */
  const onTopic: Published[] = [];
  const eventsOf = (bookingId: string) => onTopic.filter((e) => e.data['bookingId'] === bookingId);
  const typesOf = (bookingId: string) => eventsOf(bookingId).map((e) => e.type);
  const tail = createConsumer({
    brokers,
    groupId: uniqueName('check-in-test-events'),
    clientId: 'check-in-test-events',
    topics: [checkinTopic],
    fromBeginning: true,
    handle: async (record) => {
      const { fullName, data } = await serde.decode(record.value!);
      onTopic.push({
        type: fullName.replace('waggle.checkin.', ''),
        key: record.key?.toString() ?? '',
        data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
        time: record.headers['ce_time']?.toString() ?? '',
      });
    },
  });
  const startService = () => startCheckIn(loadConfig(env), logger);
  const stage = {
    windowSeconds,
    checkinTopic,
    bookingsTopic,
    flightsTopic,
    service: undefined as unknown as RunningService,
    startService,
    eventsOf,
    typesOf,
    start: async () => {
      await createTopics(brokers, [
        { topic: bookingsTopic, partitions: 1 },
        { topic: flightsTopic, partitions: 1 },
      ]);
      stage.service = await startService();
      await tail.start();
    },
    stop: async () => {
      await tail.stop();
      await stage.service?.stop();
    },
    bookingEvent: (event: BookingsEvent, again?: Sent) =>
      produce(bookingsTopic, bookingsFullNames[event.type], event.data.bookingId, event.data, again),
    flightEvent: (event: FlightsEvent, again?: Sent) =>
      produce(flightsTopic, flightsFullNames[event.type], event.data.flightId, event.data, again),
    /** A flight scheduled to depart in `secondsAway` (its id new unless given); check-in opens `windowSeconds` earlier. */
    scheduleFlight: async (secondsAway: number, options: { capacity?: number; flightId?: string; again?: Sent } = {}) => {
      const flightId = options.flightId ?? uniqueName('LH400');
      const departureTime = new Date(Date.now() + secondsAway * 1000).toISOString();
      const data = {
        flightId,
        flightNumber: 'LH400',
        date: departureTime.slice(0, 10),
        origin: 'FRA',
        destination: 'JFK',
        departureTime,
        capacity: options.capacity ?? 180,
        fareCents: 45_000,
        currency: 'EUR',
      };
      const sent = await stage.flightEvent({ type: 'FlightScheduled', data }, options.again);
      const opensAt = new Date(Date.parse(departureTime) - windowSeconds * 1000).toISOString();
      return { flightId, departureTime, opensAt, sent, data };
    },
    /** A booking of `seats` passengers requested and confirmed, as bookings publishes it. */
    book: async (flightId: string, seats = 2) => {
      const bookingId = uniqueName('b');
      await stage.bookingEvent({
        type: 'BookingRequested',
        data: { bookingId, customerId: 'c-1', flightId, passengers: passengersOf(seats), seats },
      });
      const confirmed = await stage.confirm(bookingId, flightId);
      return { bookingId, confirmed };
    },
    confirm: (bookingId: string, flightId: string, again?: Sent) =>
      stage.bookingEvent({ type: 'BookingConfirmed', data: { bookingId, flightId, holdId: `hold-${bookingId}`, seats: 2 } }, again),
    checkIn: async (bookingId: string, lastName: string, idempotencyKey?: string) => {
      const response = await fetch(`${stage.service.url}/api/v1/check-in/${bookingId}/passengers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        body: JSON.stringify({ firstName: 'Ada', lastName }),
      });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: (await response.json()) as Record<string, unknown>,
      };
    },
    view: async (bookingId: string) => {
      const response = await fetch(`${stage.service.url}/api/v1/check-in/${bookingId}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    statusIs: (bookingId: string, status: string) =>
      waitFor(async () => ((await stage.view(bookingId)).body['status'] === status ? true : undefined), {
        timeoutMs: 30_000,
        description: `check-in of ${bookingId} ${status}`,
      }),
    /** Waits until the topic holds `count` events of the booking. */
    published: (bookingId: string, count: number) =>
      waitFor(() => typesOf(bookingId).length >= count, {
        timeoutMs: 30_000,
        description: `${count} event(s) of ${bookingId} on the topic`,
      }),
    streamVersion: async (flightId: string) => (await stage.service.deps.store.readStream(flightId)).version,
  };
  return stage;
};

// a short window: check-in opens 4 s before departure
const main = createStage(4);
const { windowSeconds, bookingsTopic, flightsTopic, eventsOf, typesOf, scheduleFlight, book, checkIn, view, statusIs, published } = main;
const { bookingEvent, flightEvent, streamVersion } = main;
const confirmAgain = main.confirm;

beforeAll(async () => {
  await producer.start();
  await main.start();
});
afterAll(async () => {
  await main.stop();
  await producer.stop();
});

describe('check-in on the real stack', () => {
  describe('given a confirmed booking of a flight departing soon', () => {
    it('opens at departure − window, checks passengers in with seats over REST, closes at departure, then refuses', async () => {
      const { flightId, departureTime } = await scheduleFlight(windowSeconds + 3);
      const { bookingId } = await book(flightId);
      const opensAt = new Date(Date.parse(departureTime) - windowSeconds * 1000).toISOString();

      await statusIs(bookingId, 'open');
      const first = await checkIn(bookingId, 'Lovelace0');
      expect(first).toMatchObject({
        status: 200,
        body: { bookingId, flightId, passengerName: 'Ada Lovelace0', seat: '1A', gate: null },
      });
      expect((await checkIn(bookingId, 'Lovelace1')).body['seat']).toBe('1B');
      // the same passenger again: the same pass, nothing new
      expect((await checkIn(bookingId, 'Lovelace0')).body['seat']).toBe('1A');
      expect((await view(bookingId)).body).toMatchObject({
        status: 'open',
        opensAt,
        closesAt: departureTime,
        passengers: [
          { passengerName: 'Ada Lovelace0', seat: '1A' },
          { passengerName: 'Ada Lovelace1', seat: '1B' },
        ],
      });

      await statusIs(bookingId, 'closed');
      await published(bookingId, 6);
      const events = eventsOf(bookingId);
      expect(events.map((e) => e.type)).toEqual([
        'CheckInOpened',
        'PassengerCheckedIn',
        'BoardingPassIssued',
        'PassengerCheckedIn',
        'BoardingPassIssued',
        'CheckInClosed',
      ]);
      // keyed by the flight: one booking's events (and the flight's seats) in one partition, in order
      expect(new Set(events.map((e) => e.key))).toEqual(new Set([flightId]));
      expect(events[0]?.data).toEqual({ bookingId, flightId, closesAt: departureTime, passengers: ['Ada Lovelace0', 'Ada Lovelace1'] });
      // not before its time, and on time: the sweep sleeps until the timer is due (a bound loose enough for a busy machine)
      const lateBy = Date.parse(events[0]!.time) - Date.parse(opensAt);
      expect(lateBy).toBeGreaterThanOrEqual(0);
      expect(lateBy).toBeLessThan(2_500);
      expect(events[5]?.data).toEqual({ bookingId, flightId, reason: 'departed' });
      expect(events[5]!.time >= departureTime).toBe(true);

      const before = await streamVersion(flightId);
      const late = await checkIn(bookingId, 'Lovelace1');
      expect(late.status).toBe(409);
      expect(late.type).toContain('application/problem+json');
      expect(late.body).toMatchObject({ status: 409, detail: expect.stringContaining('closed') as unknown });
      expect(await streamVersion(flightId)).toBe(before);
    });
  });

  describe('given a booking confirmed before its flight is scheduled, far from departure', () => {
    it('waits for the schedule, then refuses a check-in before opening with 409 and writes nothing', async () => {
      const flightId = uniqueName('LH401');
      const { bookingId } = await book(flightId);
      await waitFor(async () => (await view(bookingId)).status === 200, { description: 'the booking known to check-in' });
      expect((await view(bookingId)).body).toMatchObject({ status: 'pending', opensAt: null, closesAt: null });

      const departureTime = new Date(Date.now() + 3600_000).toISOString();
      await flightEvent({
        type: 'FlightScheduled',
        data: {
          flightId,
          flightNumber: 'LH401',
          date: departureTime.slice(0, 10),
          origin: 'FRA',
          destination: 'JFK',
          departureTime,
          capacity: 180,
          fareCents: 45_000,
          currency: 'EUR',
        },
      });
      const opensAt = new Date(Date.parse(departureTime) - windowSeconds * 1000).toISOString();
      await waitFor(async () => (await view(bookingId)).body['opensAt'] === opensAt, { description: 'the window from the schedule' });

      const early = await checkIn(bookingId, 'Lovelace0');
      expect(early).toMatchObject({ status: 409, body: { status: 409, detail: `check-in for booking ${bookingId} is not open` } });
      expect(early.type).toContain('application/problem+json');
      const stranger = await checkIn(uniqueName('b'), 'Lovelace0');
      expect(stranger.status).toBe(404);
      expect(await streamVersion(flightId)).toBe(0);
      expect((await view(bookingId)).body).toMatchObject({ status: 'pending', passengers: [{ seat: null }, { seat: null }] });
      expect(typesOf(bookingId)).toEqual([]);
    });
  });

  describe('given bookings of one flight, one cancelled after its check-in opened and one before', () => {
    it('closes both with the reason; the one cancelled first never opens; a check-in after is refused', async () => {
      const { flightId } = await scheduleFlight(windowSeconds + 4);
      const { bookingId: early } = await book(flightId);
      await bookingEvent({ type: 'BookingCancelled', data: { bookingId: early, flightId, reason: 'plans changed' } });
      const { bookingId: late } = await book(flightId);
      await statusIs(late, 'open');
      await bookingEvent({ type: 'BookingCancelled', data: { bookingId: late, flightId, reason: 'plans changed' } });
      await statusIs(late, 'closed');

      expect((await view(late)).body).toMatchObject({ status: 'closed', closedReason: 'booking cancelled: plans changed' });
      expect((await view(early)).body).toMatchObject({ status: 'closed', closedReason: 'booking cancelled: plans changed' });
      const refused = await checkIn(late, 'Lovelace0');
      expect(refused.status).toBe(409);
      await published(late, 2);
      expect(typesOf(late)).toEqual(['CheckInOpened', 'CheckInClosed']);
      // the late booking opened in the sweep that would have opened the early one (the same opening time)
      expect(typesOf(early)).toEqual(['CheckInClosed']);
      expect(eventsOf(early)[0]?.data['reason']).toBe('booking cancelled: plans changed');
    });
  });

  describe('given a flight with open check-ins that is cancelled', () => {
    it("closes every booking's check-in, and that of a booking confirmed after the cancellation", async () => {
      const { flightId } = await scheduleFlight(windowSeconds + 1);
      const [one, two] = await Promise.all([book(flightId), book(flightId)]);
      await Promise.all([statusIs(one.bookingId, 'open'), statusIs(two.bookingId, 'open')]);
      expect((await checkIn(one.bookingId, 'Lovelace0')).status).toBe(200);
      await flightEvent({ type: 'FlightCancelled', data: { flightId, reason: 'storm' } });
      await Promise.all([statusIs(one.bookingId, 'closed'), statusIs(two.bookingId, 'closed')]);
      const { bookingId: after } = await book(flightId);
      await statusIs(after, 'closed');

      for (const bookingId of [one.bookingId, two.bookingId, after])
        expect((await view(bookingId)).body['closedReason']).toBe('flight cancelled: storm');
      await published(after, 1);
      expect(typesOf(one.bookingId)).toEqual(['CheckInOpened', 'PassengerCheckedIn', 'BoardingPassIssued', 'CheckInClosed']);
      expect(typesOf(two.bookingId)).toEqual(['CheckInOpened', 'CheckInClosed']);
      expect(typesOf(after)).toEqual(['CheckInClosed']);
      expect((await checkIn(after, 'Lovelace0')).status).toBe(409);
    });
  });

  describe('given events delivered twice and once more under another event id', () => {
    it('has one effect: one opening, one check-in per passenger, one closing', async () => {
      const flight = await scheduleFlight(windowSeconds + 2);
      await flightEvent({ type: 'FlightScheduled', data: flight.data }, flight.sent);
      const { flightId, departureTime } = flight;
      const { bookingId, confirmed } = await book(flightId);
      await confirmAgain(bookingId, flightId, confirmed);
      await confirmAgain(bookingId, flightId);
      await statusIs(bookingId, 'open');
      const key = randomUUID();
      const passes = [
        await checkIn(bookingId, 'Lovelace0', key),
        await checkIn(bookingId, 'Lovelace0', key),
        await checkIn(bookingId, 'Lovelace0'),
      ];
      expect(passes.map((p) => [p.status, p.body['seat']])).toEqual([
        [200, '1A'],
        [200, '1A'],
        [200, '1A'],
      ]);
      await statusIs(bookingId, 'closed');
      // after it closed: a confirmation again, then a marker booking behind it on the one partition
      await confirmAgain(bookingId, flightId, confirmed);
      const marker = await scheduleFlight(windowSeconds - 1);
      const { bookingId: markerId } = await book(marker.flightId);
      await published(markerId, 1);

      expect(Date.now()).toBeGreaterThan(Date.parse(departureTime));
      expect(typesOf(bookingId)).toEqual(['CheckInOpened', 'PassengerCheckedIn', 'BoardingPassIssued', 'CheckInClosed']);
      expect(await main.service.deps.db.collection('checkin_timers').countDocuments({ _id: bookingId as never })).toBe(0);
    });
  });

  describe('given passengers of several bookings checking in at the same time', () => {
    it('gives each a seat of their own within the capacity, then refuses one more', async () => {
      const { flightId } = await scheduleFlight(windowSeconds + 1, { capacity: 6 });
      const bookings = await Promise.all([book(flightId, 3), book(flightId, 3), book(flightId, 1)]);
      await Promise.all(bookings.map(({ bookingId }) => statusIs(bookingId, 'open')));
      const passes = await Promise.all(
        bookings.slice(0, 2).flatMap(({ bookingId }) => ['Lovelace0', 'Lovelace1', 'Lovelace2'].map((name) => checkIn(bookingId, name))),
      );
      expect(passes.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(passes.map((p) => p.body['seat']).sort()).toEqual(['1A', '1B', '1C', '1D', '1E', '1F']);
      const [, , third] = bookings;
      const full = await checkIn(third.bookingId, 'Lovelace0');
      expect(full).toMatchObject({ status: 409, body: { detail: `flight ${flightId} has no seat left to give` } });
    });
  });

  describe('given a poison record on each input topic', () => {
    it('dead-letters it with its original bytes, and the records behind it flow', async () => {
      const garbage = Buffer.from('not avro at all');
      await producer.send([
        { topic: bookingsTopic, key: 'poison-booking', value: garbage, headers: {} },
        { topic: flightsTopic, key: 'poison-flight', value: garbage, headers: {} },
      ]);
      const { flightId } = await scheduleFlight(windowSeconds - 1);
      const { bookingId } = await book(flightId);
      await published(bookingId, 1);
      expect(typesOf(bookingId)[0]).toBe('CheckInOpened');

      for (const topic of [bookingsTopic, flightsTopic]) {
        const dead = await waitFor(
          async () => {
            const records = await readTopicToEnd(brokers, `${topic}.dlq`);
            return records.length > 0 && records;
          },
          { description: `the dead letter on ${topic}.dlq` },
        );
        expect(dead).toHaveLength(1);
        expect(dead[0]?.value?.equals(garbage)).toBe(true);
        expect(readDeadLetterHeaders(dead[0]!.headers)).toMatchObject({
          originalTopic: topic,
          consumerGroup: `${main.checkinTopic}.${topic === bookingsTopic ? 'booking' : 'flight'}-reactions`,
          errorClass: 'UndecodableError',
        });
      }
    });
  });
});

describe('check-in timers across a restart on the real stack', () => {
  // a long window, so the instances started after the stop (about 7 s for two here) come up well before departure
  const slow = createStage(60);
  beforeAll(() => slow.start());
  afterAll(() => slow.stop());

  describe('given a timer set by an instance that stops before it is due', () => {
    it('is fired by the instances started after it, exactly once', async () => {
      // due in 12 s: a stop takes about 4 s here, so the first instance is gone well before
      const { flightId, opensAt } = await slow.scheduleFlight(slow.windowSeconds + 12);
      const { bookingId } = await slow.book(flightId);
      await waitFor(async () => (await slow.view(bookingId)).body['opensAt'] === opensAt, { description: 'the timer timed' });
      await slow.service.stop();
      expect(Date.now()).toBeLessThan(Date.parse(opensAt));

      // two new instances on the same database, both sweeping
      const [next, other] = await Promise.all([slow.startService(), slow.startService()]);
      slow.service = next;
      try {
        await slow.statusIs(bookingId, 'open');
        expect((await slow.checkIn(bookingId, 'Lovelace0')).body['seat']).toBe('1A');
        await slow.published(bookingId, 3);
      } finally {
        await other.stop();
      }
      // and a third instance after those: nothing opens again
      await slow.service.stop();
      slow.service = await slow.startService();
      const { bookingId: marker } = await slow.book(flightId);
      await slow.published(marker, 1);

      expect(slow.typesOf(bookingId)).toEqual(['CheckInOpened', 'PassengerCheckedIn', 'BoardingPassIssued']);
      expect(slow.eventsOf(bookingId)[0]!.time >= opensAt).toBe(true);
    });
  });
});
