import { setTimeout as delay } from 'node:timers/promises';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchServices, type Launched } from './launchServices.ts';
import { topicsOf, waggleServices } from './services.ts';

// the airline's two sagas on the whole system, each service its own process. Every gateway call takes 400 ms, so
// that a booking can be cancelled while its payment is being authorized.
const stack = inject('stack');
const run = uniqueName('e2e-sagas');
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
      ...topicsOf(run),
      LOG_LEVEL: 'warn',
      PAYMENTS_GATEWAY_LATENCY_MS: '400',
    },
    write: () => {},
    colour: false,
  });
}, 180_000);
afterAll(() => system?.stop());

const send = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(path);
  return { status: response.status, body: (await response.json()) as T };
};
type Listed = { bookingId: string; status: string; reason?: string | null };
type Payment = { status: string; amountCents: number; currency: string; history: { type: string; voided: boolean | null }[] };
type Execution = { workflowId: string; status: string; tasks: { referenceTaskName: string; status: string }[] };

const date = '2027-05-20';
let flights = 0;
const scheduleFlight = async (capacity: number, fareCents = 45_000) => {
  const flightNumber = `LH${500 + flights++}`;
  const answer = await send('POST', `${url('flights')}/api/v1/flights`, {
    flightNumber,
    date,
    origin: 'FRA',
    destination: 'JFK',
    departureTime: `${date}T10:00:00Z`,
    capacity,
    fareCents,
    currency: 'EUR',
  });
  expect(answer.status).toBe(202);
  const flightId = `${flightNumber}-${date}`;
  await waitFor(async () => (await seatsLeft(flightId)) === capacity, { description: `${flightId} in flight-search` });
  return flightId;
};
const seatsLeft = async (flightId: string) =>
  (await getJson<{ seatsLeft?: number }>(`${url('flight-search')}/api/v1/flights/${flightId}`)).body.seatsLeft;
const book = async (customerId: string, flightId: string, options: { seats?: number; paymentToken?: string } = {}) => {
  const passengers = Array.from({ length: options.seats ?? 1 }, (_, i) => ({ firstName: `P${i}`, lastName: 'Lovelace' }));
  const answer = await send('POST', `${url('bookings')}/api/v1/bookings`, {
    customerId,
    flightId,
    passengers,
    ...(options.paymentToken === undefined ? {} : { paymentToken: options.paymentToken }),
  });
  expect(answer.status).toBe(202);
  return String(answer.body['bookingId']);
};
const listed = async (customerId: string, bookingId: string) =>
  (await getJson<{ items?: Listed[] }>(`${url('customer-bookings')}/api/v1/customers/${customerId}/bookings`)).body.items?.find(
    (b) => b.bookingId === bookingId,
  );
const settled = (customerId: string, bookingId: string, status: string) =>
  waitFor(
    async () => {
      const booking = await listed(customerId, bookingId);
      return booking?.status === status ? booking : undefined;
    },
    { timeoutMs: 60_000, description: `booking ${bookingId} ${status}` },
  );
const payment = (bookingId: string) => getJson<Payment>(`${url('payments')}/api/v1/payments/${bookingId}`);
const executions = async (workflow: string, bookingId: string) =>
  (
    await getJson<Execution[]>(
      `${url('saga-coordinator')}/api/workflow/${workflow}/correlated/${bookingId}?includeClosed=true&includeTasks=true`,
    )
  ).body;
const finished = (workflow: string, bookingId: string) =>
  waitFor(
    async () => {
      const found = await executions(workflow, bookingId);
      return found.length > 0 && found.every((e) => e.status !== 'RUNNING') ? found : undefined;
    },
    { timeoutMs: 60_000, description: `${workflow} for ${bookingId} finished` },
  );
const points = async (customerId: string) =>
  (await getJson<{ points?: number }>(`${url('loyalty')}/api/v1/accounts/${customerId}`)).body.points;
const counts = (history: Payment['history']) =>
  history.reduce<Record<string, number>>((all, e) => {
    const key = e.type === 'PaymentRefunded' ? (e.voided ? 'voided' : 'refunded') : e.type;
    return { ...all, [key]: (all[key] ?? 0) + 1 };
  }, {});

describe('book-flight and cancel-booking, on the whole system', () => {
  it('books, pays and confirms: seats sold, the fare captured once, points earned', { timeout: 90_000 }, async () => {
    const flightId = await scheduleFlight(5);
    const customer = `${run}-paid`;
    const bookingId = await book(customer, flightId, { seats: 2 });
    await settled(customer, bookingId, 'confirmed');
    const [execution] = await finished('book-flight', bookingId);
    expect(execution).toMatchObject({ status: 'COMPLETED' });
    expect(execution!.tasks.map((t) => `${t.referenceTaskName}:${t.status}`)).toEqual([
      'hold:COMPLETED',
      'authorize:COMPLETED',
      'confirm_booking:COMPLETED',
      'confirm_seats:COMPLETED',
      'capture:COMPLETED',
    ]);
    const paid = await waitFor(
      async () => ((await payment(bookingId)).body.status === 'captured' ? (await payment(bookingId)).body : undefined),
      {
        description: 'the payment captured',
      },
    );
    expect(paid).toMatchObject({ amountCents: 90_000, currency: 'EUR' });
    expect(counts(paid.history)).toEqual({ PaymentAuthorized: 1, PaymentCaptured: 1 });
    await waitFor(async () => (await seatsLeft(flightId)) === 3, { description: 'two seats sold in flight-search' });
    await waitFor(async () => (await points(customer)) === 1_000, { description: 'loyalty: 500 points per seat' });
  });

  it('rejects a declined payment and compensates: seats back on sale, nothing captured', { timeout: 90_000 }, async () => {
    const flightId = await scheduleFlight(3);
    const customer = `${run}-declined`;
    const bookingId = await book(customer, flightId, { paymentToken: 'tok_decline' });
    const rejected = await settled(customer, bookingId, 'rejected');
    expect(rejected.reason).toBe('payment declined: card declined');
    const [execution] = await finished('book-flight', bookingId);
    expect(execution?.status).toBe('FAILED');
    // the hold's compensation ran: its seat is back
    expect(execution!.tasks.map((t) => `${t.referenceTaskName}:${t.status}`)).toEqual(
      expect.arrayContaining(['hold:COMPLETED', 'authorize:FAILED_WITH_TERMINAL_ERROR', 'release_hold:COMPLETED']),
    );
    await waitFor(async () => (await seatsLeft(flightId)) === 3, { description: 'the seat back in flight-search' });
    const { body } = await payment(bookingId);
    expect(body.status).toBe('declined');
    expect(counts(body.history)).toEqual({ PaymentDeclined: 1 });
    expect(await finished('book-flight-rejected', bookingId)).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
  });

  it('rejects a booking short of seats before asking payments', { timeout: 60_000 }, async () => {
    const flightId = await scheduleFlight(1);
    const customer = `${run}-short`;
    const bookingId = await book(customer, flightId, { seats: 2 });
    expect((await settled(customer, bookingId, 'rejected')).reason).toBe('not enough seats left');
    const [execution] = await finished('book-flight', bookingId);
    expect(execution!.tasks.map((t) => t.referenceTaskName)).not.toContain('authorize');
    expect((await payment(bookingId)).status).toBe(404);
    expect(await seatsLeft(flightId)).toBe(1);
  });

  it('voids the authorization exactly once when the booking is cancelled while it is being paid', { timeout: 90_000 }, async () => {
    const flightId = await scheduleFlight(2);
    const customer = `${run}-midway`;
    const bookingId = await book(customer, flightId);
    // the authorization takes 400 ms at the gateway: cancel as soon as the seats are held
    await waitFor(async () => (await executions('book-flight', bookingId))[0]?.tasks.some((t) => t.referenceTaskName === 'authorize'), {
      intervalMs: 20,
      description: 'the authorization asked',
    });
    expect((await send('POST', `${url('bookings')}/api/v1/bookings/${bookingId}/cancel`, { reason: 'changed plans' })).status).toBe(202);
    await settled(customer, bookingId, 'cancelled');
    await finished('book-flight', bookingId);
    await finished('cancel-booking', bookingId);
    await waitFor(async () => (await seatsLeft(flightId)) === 2, { description: 'both seats on sale again' });
    const { body } = await payment(bookingId);
    expect(body.status).toBe('voided');
    expect(counts(body.history)).toEqual({ PaymentAuthorized: 1, voided: 1 });
  });

  it('cancels a paid booking: seats back, the fare refunded once, points reversed', { timeout: 90_000 }, async () => {
    const flightId = await scheduleFlight(4);
    const customer = `${run}-cancel`;
    const bookingId = await book(customer, flightId);
    await settled(customer, bookingId, 'confirmed');
    await waitFor(async () => (await payment(bookingId)).body.status === 'captured', { description: 'captured' });
    await waitFor(async () => (await points(customer)) === 500, { description: 'points earned' });

    expect((await send('POST', `${url('bookings')}/api/v1/bookings/${bookingId}/cancel`)).status).toBe(202);
    await settled(customer, bookingId, 'cancelled');
    const [execution] = await finished('cancel-booking', bookingId);
    expect(execution).toMatchObject({ status: 'COMPLETED' });
    const { body } = await payment(bookingId);
    expect(body.status).toBe('refunded');
    expect(counts(body.history)).toEqual({ PaymentAuthorized: 1, PaymentCaptured: 1, refunded: 1 });
    await waitFor(async () => (await seatsLeft(flightId)) === 4, { description: 'the seat back in flight-search' });
    await waitFor(async () => (await points(customer)) === 0, { description: 'points reversed' });
  });

  it(
    'opens check-in for a confirmed booking inside the 24 h window, and issues a boarding pass with a seat',
    { timeout: 90_000 },
    async () => {
      const departure = new Date(Date.now() + 3 * 3_600_000);
      const day = departure.toISOString().slice(0, 10);
      const flightId = `LH599-${day}`;
      const scheduled = await send('POST', `${url('flights')}/api/v1/flights`, {
        flightNumber: 'LH599',
        date: day,
        origin: 'FRA',
        destination: 'JFK',
        departureTime: `${departure.toISOString().slice(0, 16)}:00Z`,
        capacity: 10,
        fareCents: 45_000,
        currency: 'EUR',
      });
      expect(scheduled.status).toBe(202);
      await waitFor(async () => (await seatsLeft(flightId)) === 10, { description: `${flightId} in flight-search` });
      const customer = `${run}-check-in`;
      const bookingId = await book(customer, flightId);
      await settled(customer, bookingId, 'confirmed');
      // check-in heard of the confirmation and of the flight's departure, by choreography: open, since it departs in 3 h
      await waitFor(
        async () => (await getJson<{ status?: string }>(`${url('check-in')}/api/v1/check-in/${bookingId}`)).body.status === 'open',
        {
          timeoutMs: 30_000,
          description: 'check-in open',
        },
      );
      const pass = await send('POST', `${url('check-in')}/api/v1/check-in/${bookingId}/passengers`, {
        firstName: 'P0',
        lastName: 'Lovelace',
      });
      expect(pass).toMatchObject({ status: expect.any(Number) as number, body: { bookingId, seat: '1A' } });
      expect(pass.status).toBeLessThan(300);
      const stranger = await send('POST', `${url('check-in')}/api/v1/check-in/${bookingId}/passengers`, {
        firstName: 'Grace',
        lastName: 'Hopper',
      });
      expect(stranger.status).toBe(404);
    },
  );

  it('compensates a gateway outage longer than the retries, then pays again once it is over', { timeout: 120_000 }, async () => {
    const flightId = await scheduleFlight(2);
    const customer = `${run}-outage`;
    expect((await send('PUT', `${url('payments')}/api/v1/gateway`, { outage: true })).status).toBe(200);
    try {
      const bookingId = await book(customer, flightId);
      // retried with backoff (1, 2, 4, 8 s), then compensated
      const rejected = await waitFor(
        async () => {
          const booking = await listed(customer, bookingId);
          return booking?.status === 'rejected' ? booking : undefined;
        },
        { timeoutMs: 90_000, description: 'the booking rejected after the retries' },
      );
      expect(rejected.reason).toBe('payment gateway unavailable');
      await waitFor(async () => (await seatsLeft(flightId)) === 2, { description: 'the seat back' });
      expect(counts((await payment(bookingId)).body.history ?? [])).toEqual({});
    } finally {
      await send('PUT', `${url('payments')}/api/v1/gateway`, { outage: false });
    }
    await delay(200);
    const after = await book(customer, flightId);
    await settled(customer, after, 'confirmed');
  });
});
