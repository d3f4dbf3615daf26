import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { readTopicToEnd, toEventHeaders } from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { launchServices, type Launched } from './launchServices.ts';
import { topicsOf, waggleServices, type ServiceSpec } from './services.ts';

// flights runs apart from the others so that it can be stopped and started again; a short hold TTL makes a
// downtime longer than it
const stack = inject('stack');
const run = uniqueName('e2e-choreo');
const topics = topicsOf(run);
const env = {
  ...process.env,
  KAFKA_BROKERS: stack.kafkaBrokers,
  SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
  MONGO_URL: stack.mongoUrl,
  ...topics,
  LOG_LEVEL: 'warn',
  HOLD_TTL_SECONDS: '3',
  HOLD_SWEEP_MS: '200',
};
const launch = (specs: readonly ServiceSpec[]) => launchServices(specs, { env, write: () => {}, colour: false });
let flightsSpec: ServiceSpec;
let flights: Launched;
let others: Launched;

beforeAll(async () => {
  const specs: ServiceSpec[] = [];
  for (const spec of waggleServices)
    specs.push({ ...spec, port: await freePort(), env: { MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` } });
  flightsSpec = specs.find((s) => s.name === 'flights')!;
  [flights, others] = await Promise.all([launch([flightsSpec]), launch(specs.filter((s) => s !== flightsSpec))]);
}, 180_000);
// a test that failed half-way leaves nothing frozen or stopped for the next one
beforeEach(async () => {
  for (const s of others.services) s.child.kill('SIGCONT');
  for (const s of flights.services) s.child.kill('SIGCONT');
  if (flights.services.some((s) => s.child.exitCode !== null || s.child.signalCode !== null)) flights = await launch([flightsSpec]);
}, 120_000);
afterAll(async () => {
  // a frozen process would not hear SIGTERM
  for (const launched of [flights, others]) for (const s of launched?.services ?? []) s.child.kill('SIGCONT');
  await Promise.all([flights?.stop(), others?.stop()]);
});

const url = (name: string): string =>
  name === 'flights' ? `http://127.0.0.1:${flightsSpec.port}` : (others.services.find((s) => s.name === name)?.url ?? '');
const signal = (name: string, sig: 'SIGSTOP' | 'SIGCONT') =>
  [...flights.services, ...others.services].find((s) => s.name === name)?.child.kill(sig);

const post = async (path: string, body?: unknown) => {
  const response = await fetch(path, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(path);
  return { status: response.status, body: (await response.json()) as T };
};
type Booking = { bookingId: string; status: string; reason: string | null };
type Search = { seatsLeft: number; status: string };
type FlightView = {
  version: number;
  status: string;
  capacity: number;
  seatsLeft: number;
  seatsSold: number;
  holds: { holdId: string; bookingId: string; seats: number; expiresAt: string | null }[];
};
type Status = { consumers: { group: string; partitions: { lag: number }[] }[] };

const date = '2027-04-02';
const scheduleFlight = async (flightNumber: string, capacity: number) => {
  const answer = await post(`${url('flights')}/api/v1/flights`, {
    flightNumber,
    date,
    origin: 'FRA',
    destination: 'JFK',
    departureTime: `${date}T10:00:00Z`,
    capacity,
    fareCents: 45_000,
    currency: 'EUR',
  });
  expect(answer.status).toBe(202);
  const flightId = `${flightNumber}-${date}`;
  await waitFor(async () => (await search(flightId)).status === 200, { description: `${flightId} in flight-search` });
  return flightId;
};
const search = (flightId: string) => getJson<Search>(`${url('flight-search')}/api/v1/flights/${flightId}`);
const flightView = async (flightId: string) => (await getJson<FlightView>(`${url('flights')}/api/v1/flights/${flightId}`)).body;
const book = async (customerId: string, flightId: string): Promise<string> => {
  const answer = await post(`${url('bookings')}/api/v1/bookings`, {
    customerId,
    flightId,
    passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
  });
  expect(answer.status).toBe(202);
  return String(answer.body['bookingId']);
};
const bookingStatus = async (bookingId: string) =>
  (await getJson<{ status: string }>(`${url('bookings')}/api/v1/bookings/${bookingId}`)).body.status;
const listed = async (customerId: string) =>
  (await getJson<{ items?: Booking[] }>(`${url('customer-bookings')}/api/v1/customers/${customerId}/bookings`)).body.items ?? [];
const caughtUp = async (name: string) => {
  const { body } = await getJson<Status>(`${url(name)}/status`);
  return body.consumers.length > 0 && body.consumers.every((c) => c.partitions.length > 0 && c.partitions.every((p) => p.lag === 0));
};

describe('bookings settled by the book-flight saga, which a restart of flights cannot break', () => {
  describe('given flights is down, longer than the hold TTL (3 s), while a booking is confirmed', () => {
    it('keeps the booking confirmed when flights comes back 6 s later, and flights sells its seat', { timeout: 120_000 }, async () => {
      const flightId = await scheduleFlight('LH420', 5);
      const customer = `${run}-restart`;

      // the request waits in flights' backlog for longer than the TTL (a hold counted from it is born expired) …
      signal('flights', 'SIGSTOP');
      const requestedAt = Date.now();
      const bookingId = await book(customer, flightId);
      await waitFor(async () => (await listed(customer)).length === 1, { description: 'the request on Kafka' });
      // … and bookings hears of the hold only once flights is down again
      signal('bookings', 'SIGSTOP');
      await delay(Math.max(0, requestedAt + 3_500 - Date.now()));
      signal('flights', 'SIGCONT');
      await waitFor(async () => (await flightView(flightId)).version >= 2 && (await caughtUp('flights')), {
        description: 'flights answered the request',
      });
      // several sweeps and relay wake-ups: the hold is on Kafka, and an expiry, were there one, has happened
      await delay(1_000);
      await flights.stop();
      const stoppedAt = Date.now();
      signal('bookings', 'SIGCONT');

      await waitFor(async () => ((await bookingStatus(bookingId)) === 'requested' ? undefined : true), {
        description: 'bookings answered',
      });
      await waitFor(() => caughtUp('bookings'), { description: 'bookings caught up' });
      expect(await bookingStatus(bookingId)).toBe('confirmed');

      await delay(Math.max(0, stoppedAt + 6_000 - Date.now()));
      flights = await launch([flightsSpec]);
      // the confirmation was in flights' backlog all along: the seat is sold, not expired
      await waitFor(async () => (await caughtUp('flights')) && (await flightView(flightId)).seatsSold === 1, {
        timeoutMs: 30_000,
        description: 'flights sold the seat after its restart',
      });
      await delay(1_000);
      expect(await flightView(flightId)).toMatchObject({ status: 'scheduled', seatsLeft: 4, seatsSold: 1, holds: [] });
      await waitFor(() => caughtUp('bookings'), { description: 'bookings caught up again' });
      expect(await bookingStatus(bookingId)).toBe('confirmed');
      await waitFor(() => caughtUp('customer-bookings'), { description: 'customer-bookings caught up' });
      expect(await listed(customer)).toEqual([expect.objectContaining({ bookingId, status: 'confirmed' })]);
      expect((await search(flightId)).body.seatsLeft).toBe(4);
    });
  });

  describe('given flights stopped right after a booking shows confirmed', () => {
    it('keeps the booking confirmed when flights comes back 6 s later', { timeout: 90_000 }, async () => {
      const flightId = await scheduleFlight('LH426', 5);
      const bookingId = await book(`${run}-stopped`, flightId);
      await waitFor(async () => (await bookingStatus(bookingId)) === 'confirmed', { description: 'the booking confirmed' });
      await flights.stop();
      await delay(6_000);
      flights = await launch([flightsSpec]);
      await waitFor(() => caughtUp('flights'), { timeoutMs: 30_000, description: 'flights caught up' });
      // several sweeps after the restart
      await delay(1_000);
      await waitFor(async () => (await caughtUp('bookings')) && (await caughtUp('flight-search')), { description: 'the others caught up' });
      expect(await bookingStatus(bookingId)).toBe('confirmed');
      expect((await search(flightId)).body.seatsLeft).toBe(4);
      expect(await flightView(flightId)).toMatchObject({ seatsLeft: 4, seatsSold: 1, holds: [] });
    });
  });

  describe('given a flight with three confirmed bookings', () => {
    it(
      'gives the seats back when one is cancelled with an empty body, and cancels the others with the reason when the flight is',
      { timeout: 90_000 },
      async () => {
        const flightId = await scheduleFlight('LH422', 5);
        const customers = ['a', 'b', 'c'].map((c) => `${run}-cancel-${c}`);
        const ids = [];
        for (const customer of customers) ids.push(await book(customer, flightId));
        await waitFor(async () => (await flightView(flightId)).seatsSold === 3, { description: 'three seats sold' });

        const cancelled = await post(`${url('bookings')}/api/v1/bookings/${ids[2]}/cancel`);
        expect(cancelled.status).toBe(202);
        await waitFor(async () => (await flightView(flightId)).seatsSold === 2, { description: 'the seat given back' });
        // the write-side view: seats and open holds, not every booking that ever asked
        const view = await getJson<Record<string, unknown>>(`${url('flights')}/api/v1/flights/${flightId}`);
        expect(view.body).toEqual({
          flightId,
          version: expect.any(Number) as number,
          status: 'scheduled',
          capacity: 5,
          seatsLeft: 3,
          seatsSold: 2,
          holds: [],
        });

        expect((await post(`${url('flights')}/api/v1/flights/${flightId}/cancel`, { reason: 'strike' })).status).toBe(202);
        const outcomes = await waitFor(
          async () => {
            const all = (await Promise.all(customers.map(listed))).flat();
            return all.length === 3 && all.every((b) => b.status === 'cancelled') ? all : undefined;
          },
          { timeoutMs: 30_000, description: 'every booking cancelled' },
        );
        expect(outcomes.map((b) => b.reason).sort()).toEqual([
          'cancelled by customer',
          'flight cancelled: strike',
          'flight cancelled: strike',
        ]);
        expect(await flightView(flightId)).toMatchObject({ status: 'cancelled', seatsLeft: 5, seatsSold: 0, holds: [] });
        await waitFor(async () => (await search(flightId)).body.seatsLeft === 5, { description: 'flight-search: every seat back' });
        expect((await search(flightId)).body.status).toBe('cancelled');
      },
    );
  });

  describe('given a record on the bookings topic that is not the bookings event it is named after', () => {
    it('dead-letters it in loyalty, starts no saga for it, and later bookings go through', { timeout: 60_000 }, async () => {
      const flightId = await scheduleFlight('LH424', 5);
      // a BookingRequested of someone else's making: no flightId, so a reader that took it for bookings' own would
      // read the id "undefined"
      const foreign = {
        fullName: 'waggle.elsewhere.BookingRequested',
        schema: {
          type: 'record',
          name: 'BookingRequested',
          namespace: 'waggle.elsewhere',
          fields: [
            { name: 'bookingId', type: 'string' },
            { name: 'seats', type: 'int' },
          ],
        },
      };
      const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [foreign] });
      const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      const admin = kafka.admin();
      await Promise.all([producer.connect(), admin.connect()]);
      const id = randomUUID();
      const foreignBooking = `bkg-${randomUUID()}`;
      try {
        const value = await serde.encode(topics.BOOKINGS_TOPIC, foreign.fullName, { bookingId: foreignBooking, seats: 1 });
        await producer.send({
          topic: topics.BOOKINGS_TOPIC,
          messages: [
            {
              key: 'foreign',
              value,
              headers: toEventHeaders({
                id,
                type: foreign.fullName,
                source: '/elsewhere',
                time: new Date().toISOString(),
                subject: 'foreign',
                correlationId: id,
                causationId: id,
              }),
            },
          ],
        });
        // the topic's dead letters are shared by its consumer groups: the one of loyalty's reactions is looked for (a
        // read model skips an event type it does not know, as from a newer producer; a reaction refuses it)
        const group = `${topics.LOYALTY_TOPIC}.booking-reactions`;
        const dlq = `${topics.BOOKINGS_TOPIC}.dlq`;
        const [dead] = await waitFor(
          async () => {
            if (!(await admin.listTopics()).includes(dlq)) return undefined;
            const found = (await readTopicToEnd(stack.kafkaBrokers.split(','), dlq)).filter(
              (r) => r.headers['kafka_dlt-original-consumer-group']?.toString() === group && r.headers['ce_id']?.toString() === id,
            );
            return found.length > 0 ? found : undefined;
          },
          { timeoutMs: 30_000, description: "the record in the dead-letter topic, from loyalty's reactions" },
        );
        expect(dead?.headers['kafka_dlt-exception-fqcn']?.toString()).toBe('ValidationError');
        expect(dead?.value?.equals(value)).toBe(true);
        // nothing was decided for it: the coordinator's event handler matches bookings' own BookingRequested only
        const customer = `${run}-after-foreign`;
        await book(customer, flightId);
        await waitFor(async () => (await listed(customer))[0]?.status === 'confirmed', { description: 'a later booking confirmed' });
        const sagas = await getJson<unknown[]>(
          `${url('saga-coordinator')}/api/workflow/book-flight/correlated/${foreignBooking}?includeClosed=true`,
        );
        expect(sagas).toEqual({ status: 200, body: [] });
        expect((await flightView(flightId)).seatsLeft).toBe(4);
      } finally {
        await Promise.all([producer.disconnect(), admin.disconnect()]);
      }
    });
  });
});
