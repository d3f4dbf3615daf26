import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCli, uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchServices, type Launched } from './launchServices.ts';
import { topicsOf, waggleServices } from './services.ts';

const stack = inject('stack');
const run = uniqueName('e2e');
const topics = topicsOf(run);
let system: Launched;
const url = (name: string): string => system.services.find((s) => s.name === name)?.url ?? '';

beforeAll(async () => {
  const specs = [];
  for (const spec of waggleServices)
    specs.push({ ...spec, port: await freePort(), env: { MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` } });
  system = await launchServices(specs, {
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      ...topics,
      LOG_LEVEL: 'warn',
      HOLD_SWEEP_MS: '200',
    },
    write: () => {},
    colour: false,
  });
}, 180_000);
afterAll(() => system?.stop());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(path);
  return { status: response.status, body: (await response.json()) as T };
};
type CustomerBookings = { items: { bookingId: string; status: string; reason?: string; origin?: string; destination?: string }[] };
type FlightView = { flightId: string; seatsLeft: number };

const date = '2027-03-14';
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
  await waitFor(async () => (await getJson<FlightView>(`${url('flight-search')}/api/v1/flights/${flightId}`)).status === 200, {
    description: `${flightId} in flight-search`,
  });
  return flightId;
};
const book = (customerId: string, flightId: string, headers: Record<string, string> = {}) =>
  post(`${url('bookings')}/api/v1/bookings`, { customerId, flightId, passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }] }, headers);
const bookingsOf = async (customerId: string) =>
  (await getJson<CustomerBookings>(`${url('customer-bookings')}/api/v1/customers/${customerId}/bookings`)).body.items ?? [];

describe('waggle end to end: bookings settled by the book-flight saga, read through the projections', () => {
  describe('given a flight with 2 seats and 3 one-seat booking requests', () => {
    it('confirms 2, rejects 1 for lack of seats, and the read models show it', { timeout: 90_000 }, async () => {
      const flightId = await scheduleFlight('LH400', 2);
      const customers = ['c1', 'c2', 'c3'].map((c) => `${run}-${c}`);
      for (const customer of customers) expect((await book(customer, flightId)).status).toBe(202);

      const outcomes = await waitFor(
        async () => {
          const all = (await Promise.all(customers.map(bookingsOf))).flat();
          return all.length === 3 && all.every((b) => b.status !== 'requested') ? all : undefined;
        },
        { timeoutMs: 60_000, description: 'three decided bookings' },
      );
      expect(outcomes.filter((b) => b.status === 'confirmed')).toHaveLength(2);
      const rejected = outcomes.filter((b) => b.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toMatch(/seats/);
      await waitFor(async () => (await getJson<FlightView>(`${url('flight-search')}/api/v1/flights/${flightId}`)).body.seatsLeft === 0, {
        description: '0 seats left',
      });
    });
  });

  describe('given the system has settled after some bookings', () => {
    it(
      'shows on GET /status of every service its relayed outbox lanes and consumer groups with no lag left',
      { timeout: 60_000 },
      async () => {
        const flightId = await scheduleFlight('LH408', 5);
        expect((await book(`${run}-status`, flightId)).status).toBe(202);
        await waitFor(async () => (await bookingsOf(`${run}-status`)).some((b) => b.status === 'confirmed'), {
          description: 'a confirmed booking',
        });
        type Status = {
          service: string;
          outbox?: {
            instance: string;
            lanes: { lane: number; state: string; holder?: string; cursor: number; published?: number; waiting?: string }[];
          };
          consumers: { group: string; partitions: { topic: string; lag: number }[]; error?: string }[];
        };
        for (const name of ['flights', 'bookings']) {
          const status = await waitFor(
            async () => {
              const answer = await getJson<Status>(`${url(name)}/status`);
              expect(answer.status).toBe(200);
              const { consumers } = answer.body;
              return consumers.length > 0 && consumers.every((c) => c.partitions.length > 0 && c.partitions.every((p) => p.lag === 0))
                ? answer.body
                : undefined;
            },
            { description: `${name}: its reactions caught up` },
          );
          expect(status.service).toBe(name);
          // one instance holds every lane of its service, and has published what was appended there
          expect(status.outbox?.lanes.length).toBeGreaterThan(0);
          expect(
            status.outbox?.lanes.every((l) => l.state === 'relaying' && l.holder === status.outbox?.instance && l.waiting === undefined),
          ).toBe(true);
          expect(status.outbox?.lanes.reduce((sum, l) => sum + (l.published ?? 0), 0)).toBeGreaterThan(0);
          expect(status.outbox?.lanes.some((l) => l.cursor > 0)).toBe(true);
        }
        for (const name of ['flight-search', 'customer-bookings']) {
          const status = await waitFor(
            async () => {
              const { body } = await getJson<Status>(`${url(name)}/status`);
              return body.consumers[0]?.partitions.length && body.consumers[0].partitions.every((p) => p.lag === 0) ? body : undefined;
            },
            { description: `${name}: caught up` },
          );
          expect(status.outbox).toBeUndefined();
          expect(status.consumers[0]?.group).toBe(`${run}-${name}`);
          expect(new Set(status.consumers[0]?.partitions.map((p) => p.topic))).toEqual(
            new Set(
              name === 'flight-search'
                ? [topics.FLIGHTS_TOPIC]
                : [topics.BOOKINGS_TOPIC, topics.FLIGHTS_TOPIC, topics.PAYMENTS_TOPIC, topics.CHECKIN_TOPIC],
            ),
          );
        }
        const openApi = await getJson<{ paths: Record<string, unknown> }>(`${url('bookings')}/openapi.json`);
        expect(Object.keys(openApi.body.paths)).toContain('/status');

        // the same, as a newcomer asks it from the CLI
        const cli = await runCli(['status'], {
          // every service the system runs, each where this test started it (`<NAME>_URL`)
          env: {
            ...process.env,
            ...Object.fromEntries(system.services.map((s) => [`${s.name.toUpperCase().replaceAll('-', '_')}_URL`, s.url])),
          },
        });
        expect(cli.code, cli.stderr).toBe(0);
        expect(cli.stdout).toMatch(/^SERVICE +WHAT +LAG +NOTE$/m);
        expect(cli.stdout).toMatch(/^flights +outbox lane 0 relaying @ \S+ \(answered\) +0$/m);
        expect(cli.stdout).toMatch(/^bookings +group \S+ +0$/m);
        expect(cli.stdout).toMatch(new RegExp(`^customer-bookings +group ${run}-customer-bookings +0$`, 'm'));
      },
    );
  });

  describe('given the same request twice with one Idempotency-Key', () => {
    it('makes one booking, and refuses the key reused for another request with 422', { timeout: 60_000 }, async () => {
      const flightId = await scheduleFlight('LH402', 10);
      const customer = `${run}-idem`;
      const key = randomUUID();
      const first = await book(customer, flightId, { 'Idempotency-Key': key });
      const second = await book(customer, flightId, { 'Idempotency-Key': key });
      expect(second.body['bookingId']).toBe(first.body['bookingId']);
      expect(second.body['duplicate']).toBe(true);
      const reused = await post(
        `${url('bookings')}/api/v1/bookings`,
        { customerId: `${customer}-other`, flightId, passengers: [{ firstName: 'Alan', lastName: 'Turing' }] },
        { 'Idempotency-Key': key },
      );
      expect(reused.status).toBe(422);
      expect(reused.type).toMatch(/application\/problem\+json/);
      await waitFor(async () => (await bookingsOf(customer)).some((b) => b.status === 'confirmed'), {
        description: 'the booking confirmed',
      });
      expect(await bookingsOf(customer)).toHaveLength(1);
    });
  });

  describe('given a seat hold that is never confirmed', () => {
    it('expires and its seat comes back', { timeout: 60_000 }, async () => {
      const flightId = await scheduleFlight('LH404', 5);
      const hold = await post(`${url('flights')}/api/v1/flights/${flightId}/holds`, { seats: 2, ttlSeconds: 2 });
      expect(hold.status).toBe(202);
      const seatsLeft = async () => (await getJson<FlightView>(`${url('flight-search')}/api/v1/flights/${flightId}`)).body.seatsLeft;
      await waitFor(async () => (await seatsLeft()) === 3, { description: 'the hold to take 2 seats' });
      await waitFor(async () => (await seatsLeft()) === 5, { timeoutMs: 30_000, description: 'the expired hold to give its seats back' });
    });
  });

  describe('given bad input', () => {
    it('answers a malformed request with 400 problem details and appends nothing', { timeout: 60_000 }, async () => {
      const flightId = await scheduleFlight('LH406', 5);
      const customer = `${run}-malformed`;
      const bad = await post(`${url('bookings')}/api/v1/bookings`, {
        customerId: customer,
        flightId,
        passengers: [{ firstName: '', lastName: 'X' }],
        extra: true,
      });
      expect(bad.status).toBe(400);
      expect(bad.type).toMatch(/application\/problem\+json/);
      expect(bad.body['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/body/passengers/0/firstName' })]));
      const broken = await post(`${url('bookings')}/api/v1/bookings`, '{"customerId":');
      expect(broken.status).toBe(400);
      // a later valid booking of the same customer shows up alone: the bad ones left no event behind
      expect((await book(customer, flightId)).status).toBe(202);
      await waitFor(async () => (await bookingsOf(customer)).length === 1, { description: 'the valid booking' });
      expect(await bookingsOf(customer)).toHaveLength(1);
    });

    it('rejects a booking for an unknown flight with the reason', { timeout: 60_000 }, async () => {
      const customer = `${run}-unknown`;
      expect((await book(customer, `XX999-${date}`)).status).toBe(202);
      const [booking] = await waitFor(
        async () => {
          const list = await bookingsOf(customer);
          return list[0]?.status === 'rejected' ? list : undefined;
        },
        { timeoutMs: 30_000, description: 'the rejection' },
      );
      expect(booking?.reason).toBe('unknown flight');
    });

    it('refuses a file with one invalid line in waggle produce: exit 2, nothing produced', { timeout: 60_000 }, async () => {
      const file = join(tmpdir(), `${run}-events.jsonl`);
      const ok = {
        flightId: `LH410-${date}`,
        flightNumber: 'LH410',
        date,
        origin: 'FRA',
        destination: 'JFK',
        departureTime: `${date}T10:00:00Z`,
        capacity: 5,
        fareCents: 100,
        currency: 'EUR',
      };
      await writeFile(file, [JSON.stringify(ok), JSON.stringify({ ...ok, capacity: 'many' }), JSON.stringify(ok)].join('\n'));
      const env = {
        ...process.env,
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        MONGO_URL: stack.mongoUrl,
      };
      const admin = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const records = async () => (await admin.fetchTopicOffsets(topics.FLIGHTS_TOPIC)).reduce((sum, p) => sum + Number(p.high), 0);
      const before = await records();
      const result = await runCli(['produce', topics.FLIGHTS_TOPIC, '--type', 'FlightScheduled', '--file', file], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/:2:.*capacity/);
      expect(await records()).toBe(before);
      await admin.disconnect();
      expect((await getJson<FlightView>(`${url('flight-search')}/api/v1/flights/LH410-${date}`)).status).toBe(404);
    });
  });
});
