import { setTimeout as delay } from 'node:timers/promises';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchServices, type Launched } from './launchServices.ts';
import { topicsOf, waggleServices, type ServiceSpec } from './services.ts';

// The sagas under crashes, judged by what each context recorded. Every service runs as its own process so that any
// one can be SIGKILLed and started again; every gateway call takes 150 ms, so a saga is caught half-way. Short
// session timeouts let a restarted coordinator take its partitions back soon.
const stack = inject('stack');
const run = uniqueName('e2e-oracle');
const env = {
  ...process.env,
  KAFKA_BROKERS: stack.kafkaBrokers,
  SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
  MONGO_URL: stack.mongoUrl,
  ...topicsOf(run),
  LOG_LEVEL: 'warn',
  PAYMENTS_GATEWAY_LATENCY_MS: '150',
  SAGA_SESSION_TIMEOUT_MS: '6000',
};
const processes = new Map<string, Launched>();
const specs = new Map<string, ServiceSpec>();
const launch = async (name: string) => {
  processes.set(name, await launchServices([specs.get(name)!], { env, write: () => {}, colour: false }));
};
const url = (name: string) => `http://127.0.0.1:${specs.get(name)!.port}`;
/** SIGKILL, as a crash would: no shutdown hook runs. Then the same service again, on the same port and database. */
const crash = async (name: string) => {
  const launched = processes.get(name)!;
  const child = launched.services[0]!.child;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  await launch(name);
};

beforeAll(async () => {
  for (const spec of waggleServices)
    specs.set(spec.name, { ...spec, port: await freePort(), env: { MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` } });
  await Promise.all([...specs.keys()].map(launch));
}, 180_000);
afterAll(() => Promise.all([...processes.values()].map((p) => p.stop())));

/** A request, sent again while its service is down or restarting (the Idempotency-Key makes that safe). */
const send = async (
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<{ status: number; body: Record<string, unknown> }> => {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status < 500 || attempt >= 240)
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch (error) {
      if (attempt >= 240) throw new Error(`${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
    await delay(250);
  }
};
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const answer = await send('GET', path);
  return { status: answer.status, body: answer.body as T };
};

type PaymentView = { status: string; history: { type: string; voided: boolean | null; amountCents: number }[] };
type FlightView = { capacity: number; seatsLeft: number; seatsSold: number; holds: unknown[] };
type Execution = { status: string; tasks: { referenceTaskName: string; status: string }[] };

const paymentEvents = async (bookingId: string) => {
  const { status, body } = await getJson<PaymentView>(`${url('payments')}/api/v1/payments/${bookingId}`);
  const count = { authorized: 0, declined: 0, captured: 0, refunded: 0, voided: 0, capturedCents: 0, refundedCents: 0 };
  for (const event of status === 404 ? [] : body.history) {
    if (event.type === 'PaymentAuthorized') count.authorized++;
    if (event.type === 'PaymentDeclined') count.declined++;
    if (event.type === 'PaymentCaptured') {
      count.captured++;
      count.capturedCents += event.amountCents;
    }
    if (event.type === 'PaymentRefunded' && event.voided) count.voided++;
    if (event.type === 'PaymentRefunded' && !event.voided) {
      count.refunded++;
      count.refundedCents += event.amountCents;
    }
  }
  return count;
};
const bookingStatus = async (bookingId: string) =>
  (await getJson<{ status: string }>(`${url('bookings')}/api/v1/bookings/${bookingId}`)).body.status;
const executions = async (workflow: string, bookingId: string) =>
  (
    await getJson<Execution[]>(
      `${url('saga-coordinator')}/api/workflow/${workflow}/correlated/${bookingId}?includeClosed=true&includeTasks=true`,
    )
  ).body;
/** What the sagas of a booking did, for the failure message of a booking that does not settle. */
const sagaTrail = async (bookingId: string) => {
  const trail: string[] = [`${bookingId}: ${await bookingStatus(bookingId)}`];
  for (const workflow of ['book-flight', 'book-flight-rejected', 'cancel-booking'])
    for (const e of await executions(workflow, bookingId))
      trail.push(`  ${workflow} ${e.status}: ${e.tasks.map((t) => `${t.referenceTaskName}:${t.status}`).join(' ')}`);
  const found = await executions('book-flight', bookingId);
  if (found[0] !== undefined) trail.push(JSON.stringify(found[0].tasks));
  for (const name of ['saga-coordinator', 'payments']) {
    const status = await getJson<Record<string, unknown>>(`${url(name)}/status`).catch((error: unknown) => ({ body: String(error) }));
    trail.push(`${name} /status: ${JSON.stringify(status.body)}`);
  }
  return trail.join('\n');
};
/** Executions of any workflow still running or paused. */
const openExecutions = async () =>
  (
    await getJson<{ totalHits: number }>(
      `${url('saga-coordinator')}/api/workflow/search?query=${encodeURIComponent('status IN (RUNNING,PAUSED)')}&size=1`,
    )
  ).body.totalHits;
/** `work` for every item, 25 at a time. */
const inBatches = async <T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 25) results.push(...(await Promise.all(items.slice(i, i + 25).map(work))));
  return results;
};
const sagasDone = async (bookingId: string) => {
  for (const workflow of ['book-flight', 'book-flight-rejected', 'cancel-booking'])
    if ((await executions(workflow, bookingId)).some((e) => e.status === 'RUNNING' || e.status === 'PAUSED')) return false;
  return true;
};

// the crash tests fly ATH-LHR, the random load ATH-CDG: each route's revenue is its own
const date = '2027-06-11';
let flightCount = 0;
const scheduleFlight = async (capacity: number, fareCents: number, destination = 'LHR') => {
  const flightNumber = `OA${100 + flightCount++}`;
  const body = {
    flightNumber,
    date,
    origin: 'ATH',
    destination,
    departureTime: `${date}T09:00:00Z`,
    capacity,
    fareCents,
    currency: 'EUR',
  };
  expect((await send('POST', `${url('flights')}/api/v1/flights`, body, `${run}-${flightNumber}`)).status).toBe(202);
  return `${flightNumber}-${date}`;
};
const requestBooking = async (key: string, customerId: string, flightId: string, seats: number, paymentToken: string) => {
  const passengers = Array.from({ length: seats }, (_, i) => ({ firstName: `P${i}`, lastName: customerId }));
  const answer = await send('POST', `${url('bookings')}/api/v1/bookings`, { customerId, flightId, passengers, paymentToken }, key);
  expect(answer.status).toBe(202);
  return String(answer.body['bookingId']);
};

/** A small seeded generator (mulberry32), so that a failing load can be run again as it was. */
const random = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

describe('the sagas when the coordinator is SIGKILLed half-way', () => {
  it('book-flight: confirmed once it is back, the fare authorized and captured exactly once', { timeout: 120_000 }, async () => {
    const flightId = await scheduleFlight(3, 30_000);
    const bookingId = await requestBooking(`${run}-kill-book`, `${run}-kb`, flightId, 2, 'tok_visa');
    await waitFor(async () => (await executions('book-flight', bookingId))[0]?.tasks.some((t) => t.referenceTaskName === 'authorize'), {
      intervalMs: 20,
      description: 'the authorization asked',
    });
    await crash('saga-coordinator');
    await waitFor(async () => (await bookingStatus(bookingId)) === 'confirmed' && (await paymentEvents(bookingId)).captured === 1, {
      timeoutMs: 90_000,
      description: 'the booking confirmed and paid after the restart',
    });
    await waitFor(() => sagasDone(bookingId), { timeoutMs: 60_000, description: 'book-flight completed' });
    expect(await executions('book-flight', bookingId)).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(await paymentEvents(bookingId)).toMatchObject({ authorized: 1, captured: 1, capturedCents: 60_000, refunded: 0, voided: 0 });
    expect(await getJson<FlightView>(`${url('flights')}/api/v1/flights/${flightId}`)).toMatchObject({ body: { seatsSold: 2, holds: [] } });
  });

  it('cancel-booking: cancelled once it is back, the fare refunded exactly once', { timeout: 120_000 }, async () => {
    const flightId = await scheduleFlight(3, 20_000);
    const bookingId = await requestBooking(`${run}-kill-cancel`, `${run}-kc`, flightId, 1, 'tok_visa');
    await waitFor(async () => (await paymentEvents(bookingId)).captured === 1 && (await sagasDone(bookingId)), {
      timeoutMs: 60_000,
      description: 'the booking paid',
    });
    expect((await send('POST', `${url('bookings')}/api/v1/bookings/${bookingId}/cancel`, {}, `${run}-kill-cancel-c`)).status).toBe(202);
    await waitFor(async () => (await executions('cancel-booking', bookingId)).length > 0, {
      intervalMs: 20,
      description: 'cancel-booking',
    });
    await crash('saga-coordinator');
    await waitFor(async () => (await paymentEvents(bookingId)).refunded === 1 && (await sagasDone(bookingId)), {
      timeoutMs: 90_000,
      description: 'the refund after the restart',
    });
    expect(await executions('cancel-booking', bookingId)).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(await paymentEvents(bookingId)).toMatchObject({ authorized: 1, captured: 1, refunded: 1, refundedCents: 20_000, voided: 0 });
    expect(await getJson<FlightView>(`${url('flights')}/api/v1/flights/${flightId}`)).toMatchObject({ body: { seatsLeft: 3, holds: [] } });
  });
});

const killing = process.env['WAGGLE_ORACLE_KILLS'] !== '0';
describe(`a seeded random load of bookings, declines, duplicates and cancellations${killing ? ' while services are SIGKILLed' : ''}`, () => {
  it('keeps every invariant across flights, bookings, payments, loyalty and the read models', { timeout: 600_000 }, async () => {
    const seed = Number(process.env['WAGGLE_ORACLE_SEED'] ?? Date.now() % 1_000_000);
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    console.log(`saga oracle: seed ${seed} (WAGGLE_ORACLE_SEED=${seed} runs this load again)`);

    const flights = new Map<string, { capacity: number; fareCents: number }>();
    for (let i = 0; i < 6; i++) {
      const capacity = 20 + Math.floor(next() * 40);
      const fareCents = 10_000 + Math.floor(next() * 40) * 1_000;
      flights.set(await scheduleFlight(capacity, fareCents, 'CDG'), { capacity, fareCents });
    }
    const customers = Array.from({ length: 12 }, (_, i) => `${run}-c${i}`);
    const tokens = ['tok_visa', 'tok_visa', 'tok_visa', 'tok_mastercard', 'tok_amex', 'tok_visa', 'tok_decline', 'tok_insufficient'];
    const total = 150;
    // 5 requests a second: what 11 services and the stack sustain on a 2-core machine, with the sagas' extra hops
    const requests = Array.from({ length: total }, (_, i) => ({
      key: `${run}-b${i}`,
      customerId: pick(customers),
      flightId: pick([...flights.keys()]),
      seats: 1 + Math.floor(next() * 3),
      token: pick(tokens),
      duplicate: next() < 0.1,
      cancel: next() < 0.2 ? (next() < 0.3 ? 'at once' : 'once decided') : 'never',
      at: i * 200 + Math.floor(next() * 100),
    }));

    // crashes while the load runs: one service 2 s after the last one is back, picked among the contexts and the coordinator
    const victims = ['saga-coordinator', 'flights', 'bookings', 'payments', 'loyalty', 'saga-coordinator'];
    const kills: string[] = [];
    let sent = 0;
    let loading = true;
    const killer = (async () => {
      // at least three crashes, the last ones while the last bookings settle
      while (killing && loading && (sent < total || kills.length < 3)) {
        await delay(2_000);
        if (!loading) break;
        // the coordinator first, then any of them
        const victim = kills.length === 0 ? 'saga-coordinator' : pick(victims);
        kills.push(victim);
        await crash(victim);
      }
    })();

    const began = Date.now();
    const ids = new Map<string, string>();
    const cancelled = new Set<string>();
    const cancel = async (bookingId: string, key: string) => {
      const answer = await send('POST', `${url('bookings')}/api/v1/bookings/${bookingId}/cancel`, { reason: 'oracle' }, `${key}-cancel`);
      // a booking already rejected cannot be cancelled: 409 or 422, nothing changes
      if (answer.status === 202) cancelled.add(bookingId);
    };
    const work = requests.map(async (request) => {
      await delay(request.at);
      const bookingId = await requestBooking(request.key, request.customerId, request.flightId, request.seats, request.token);
      if (request.duplicate)
        expect(await requestBooking(request.key, request.customerId, request.flightId, request.seats, request.token)).toBe(bookingId);
      ids.set(request.key, bookingId);
      sent++;
      if (request.cancel === 'at once') await cancel(bookingId, request.key);
      if (request.cancel === 'once decided') {
        await waitFor(async () => (await bookingStatus(bookingId)) !== 'requested', {
          timeoutMs: 240_000,
          description: `${bookingId} decided`,
        }).catch(async (error: unknown) => {
          const trail = await sagaTrail(bookingId);
          console.log(`saga oracle: ${trail}`);
          throw new Error(`${(error as Error).message}\n${trail}`);
        });
        await cancel(bookingId, request.key);
      }
    });
    try {
      await Promise.all(work);
    } finally {
      loading = false;
      await killer;
    }
    const bookingIds = [...ids.values()];
    // a booking is settled once it is not requested any more and no saga of the system runs or waits
    let unsettled: string[] = [];
    const statuses = new Map<string, string>();
    await waitFor(
      async () => {
        const now = await inBatches(bookingIds, async (id) => [id, await bookingStatus(id)] as const);
        for (const [id, status] of now) statuses.set(id, status);
        unsettled = now.filter(([, status]) => status === 'requested').map(([id]) => id);
        return unsettled.length === 0 && (await openExecutions()) === 0;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, description: 'every booking decided and every saga finished' },
    ).catch(async (error: unknown) => {
      const trail = `${unsettled.length} unsettled\n${(await Promise.all(unsettled.slice(0, 4).map(sagaTrail))).join('\n')}`;
      console.log(`saga oracle: ${trail}`);
      throw new Error(`${(error as Error).message}\n${trail}`);
    });
    const settledAfter = (Date.now() - began) / 1000;

    // the oracle: what each context recorded, booking by booking
    const outcome = { confirmed: 0, rejected: 0, cancelled: 0 };
    const soldPerFlight = new Map<string, number>();
    const pointsPerCustomer = new Map<string, number>();
    let expectedCents = 0;
    let netCents = 0;
    const payments = new Map(await inBatches(bookingIds, async (id) => [id, await paymentEvents(id)] as const));
    for (const request of requests) {
      const bookingId = ids.get(request.key)!;
      const status = statuses.get(bookingId)!;
      const paid = payments.get(bookingId)!;
      const fare = flights.get(request.flightId)!.fareCents * request.seats;
      expect(['confirmed', 'rejected', 'cancelled'], `${bookingId}`).toContain(status);
      outcome[status as keyof typeof outcome]++;
      expect(paid.authorized + paid.declined, `${bookingId}: asked the gateway once at most`).toBeLessThanOrEqual(1);
      expect(paid.captured, `${bookingId}: captured once at most`).toBeLessThanOrEqual(1);
      expect(paid.refunded + paid.voided, `${bookingId}: given back once at most`).toBeLessThanOrEqual(1);
      netCents += paid.capturedCents - paid.refundedCents;
      if (status === 'confirmed') {
        expect(paid, `${bookingId}: a confirmed booking is paid`).toMatchObject({
          captured: 1,
          capturedCents: fare,
          refunded: 0,
          voided: 0,
        });
        expectedCents += fare;
        soldPerFlight.set(request.flightId, (soldPerFlight.get(request.flightId) ?? 0) + request.seats);
        pointsPerCustomer.set(request.customerId, (pointsPerCustomer.get(request.customerId) ?? 0) + 500 * request.seats);
      } else {
        // nothing kept: a capture was refunded, an authorization voided
        expect(paid.captured, `${bookingId}: ${status}, its capture refunded`).toBe(paid.refunded);
        expect(paid.authorized, `${bookingId}: ${status}, no authorization left standing`).toBe(paid.refunded + paid.voided);
      }
      if (request.token === 'tok_decline' || request.token === 'tok_insufficient') expect(status).not.toBe('confirmed');
    }
    expect(netCents, 'money kept = the fares of the confirmed bookings').toBe(expectedCents);
    for (const [flightId, { capacity }] of flights) {
      const sold = soldPerFlight.get(flightId) ?? 0;
      const { body } = await getJson<FlightView>(`${url('flights')}/api/v1/flights/${flightId}`);
      expect(sold, `${flightId}: seats sold ≤ capacity`).toBeLessThanOrEqual(capacity);
      expect(body, flightId).toMatchObject({ seatsSold: sold, seatsLeft: capacity - sold, holds: [] });
      await waitFor(
        async () =>
          (await getJson<{ seatsLeft: number }>(`${url('flight-search')}/api/v1/flights/${flightId}`)).body.seatsLeft === capacity - sold,
        { timeoutMs: 30_000, description: `${flightId} in flight-search` },
      );
    }
    for (const customer of customers) {
      const expected = pointsPerCustomer.get(customer) ?? 0;
      await waitFor(
        async () => {
          const { status, body } = await getJson<{ points: number }>(`${url('loyalty')}/api/v1/accounts/${customer}`);
          return (status === 404 ? 0 : body.points) === expected;
        },
        { timeoutMs: 30_000, description: `${customer}: ${expected} points` },
      );
      // the loyalty-balance read model: earned − reversed, from loyalty's events
      await waitFor(
        async () => {
          const { status, body } = await getJson<{ balance: number }>(`${url('loyalty-balance')}/api/v1/members/${customer}`);
          return (status === 404 ? 0 : body.balance) === expected;
        },
        { timeoutMs: 30_000, description: `loyalty-balance: ${customer} has ${expected} points` },
      );
    }
    // the route-revenue-daily read model: captured − refunded on the route's day
    type Revenue = { totals: { revenue: { currency: string; netCents: number }[] } };
    await waitFor(
      async () => {
        const { body } = await getJson<Revenue>(`${url('route-revenue-daily')}/api/v1/routes/ATH-CDG/revenue?from=${date}&to=${date}`);
        return (body.totals?.revenue.find((r) => r.currency === 'EUR')?.netCents ?? 0) === expectedCents;
      },
      { timeoutMs: 30_000, description: `route-revenue-daily: ATH-CDG nets ${expectedCents} cents on ${date}` },
    );
    console.log(
      `saga oracle: seed ${seed}; ${total} bookings (${requests.filter((r) => r.duplicate).length} sent twice, ` +
        `${cancelled.size} cancellations accepted): ${outcome.confirmed} confirmed, ${outcome.rejected} rejected, ` +
        `${outcome.cancelled} cancelled; ${kills.length} SIGKILLs (${kills.join(', ')}); ` +
        `settled ${settledAfter.toFixed(1)} s after the first request; net captured ${(netCents / 100).toFixed(2)} EUR`,
    );
  });
});
