import { setTimeout as delay } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { serviceUrl } from './serviceUrls.ts';

const urls = {
  flights: serviceUrl('flights'),
  bookings: serviceUrl('bookings'),
  flightSearch: serviceUrl('flight-search'),
  customerBookings: serviceUrl('customer-bookings'),
  payments: serviceUrl('payments'),
  coordinator: serviceUrl('saga-coordinator'),
};

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const post = async (url: string, body: unknown, idempotencyKey: string): Promise<Record<string, unknown>> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${new URL(url).origin}: is the system running (npm start)?`, exitCodes.failure, { cause: error });
  }
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new CliError(`${url} answered ${response.status}: ${String(answer['detail'] ?? answer['title'])}`, exitCodes.failure);
  return answer;
};

const positiveSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number of seconds');
  return n;
};

type Listed = { readonly bookingId: string; readonly flightId: string; readonly status: string; readonly reason?: string };

/** A booking's payment as the payments context has it: its status, or `none` when it was never asked. */
const paymentOf = async (bookingId: string): Promise<string> => {
  const response = await fetch(`${urls.payments}/api/v1/payments/${bookingId}`, { signal: AbortSignal.timeout(2_000) });
  if (response.status === 404) return 'none';
  if (!response.ok) throw new Error(`payments answered ${response.status}`);
  return String(((await response.json()) as { status?: unknown }).status);
};

/**
 * One look at the demo's bookings in the read model and at their payments: the lines to show, those not yet as
 * `wanted` says (a booking still requested, or not yet in the state the demo asked for), or why it could not look.
 */
const lookUp = async (
  customers: readonly string[],
  wanted: ReadonlyMap<string, (status: string, payment: string) => boolean>,
): Promise<{ lines: string[]; pending: string[]; trouble?: string }> => {
  const lines: string[] = [];
  const pending: string[] = [];
  for (const customer of customers) {
    const url = `${urls.customerBookings}/api/v1/customers/${customer}/bookings`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    } catch (error) {
      return { lines, pending, trouble: `customer-bookings (${urls.customerBookings}) does not answer: ${(error as Error).message}` };
    }
    if (!response.ok) return { lines, pending, trouble: `customer-bookings answered ${response.status} to GET ${url}` };
    const { items = [] } = (await response.json()) as { items?: Listed[] };
    // the customers may have other bookings (an earlier day's demo, say): only this run's count
    for (const item of items.filter((listed) => wanted.has(listed.bookingId))) {
      let payment: string;
      try {
        payment = await paymentOf(item.bookingId);
      } catch (error) {
        return { lines, pending, trouble: `payments (${urls.payments}) does not answer: ${(error as Error).message}` };
      }
      const line = `${customer}: ${item.flightId} ${item.status}${item.reason ? ` (${item.reason})` : ''}, payment ${payment}`;
      lines.push(line);
      if (item.status === 'requested' || wanted.get(item.bookingId)?.(item.status, payment) === false) pending.push(line);
    }
  }
  return { lines, pending };
};

/** `waggle demo`: seeds a few flights and bookings through the services' REST APIs (idempotent: run it twice, same data). */
export const demoCommand = (): Command =>
  new Command('demo')
    .description(
      'seed example flights and bookings through the REST APIs of a running system (one paid, one short of seats, one declined, one cancelled), then show where to look',
    )
    .option('--wait <seconds>', 'how long to wait for every booking to be confirmed or rejected', positiveSeconds, 30)
    .addHelpText(
      'after',
      '\nExits 1 when the bookings are not all decided in time, saying which are not (or which service does not answer).' +
        '\n\nExample:\n  $ npm start   # in one terminal\n  $ npx waggle demo',
    )
    .action(async (options: { wait: number }) => {
      const tomorrow = day(1);
      const flights = [
        { flightNumber: 'LH400', origin: 'FRA', destination: 'JFK', hour: '10:00', capacity: 3, fareCents: 54900 },
        { flightNumber: 'UA961', origin: 'FRA', destination: 'JFK', hour: '13:15', capacity: 150, fareCents: 49900 },
        { flightNumber: 'LH2472', origin: 'MUC', destination: 'LHR', hour: '07:40', capacity: 120, fareCents: 15900 },
        { flightNumber: 'LH401', origin: 'JFK', destination: 'FRA', hour: '17:30', capacity: 200, fareCents: 52900 },
      ];
      for (const f of flights) {
        const body = {
          flightNumber: f.flightNumber,
          date: tomorrow,
          origin: f.origin,
          destination: f.destination,
          departureTime: `${tomorrow}T${f.hour}:00Z`,
          capacity: f.capacity,
          fareCents: f.fareCents,
          currency: 'EUR',
        };
        const answer = await post(`${urls.flights}/api/v1/flights`, body, `demo-${f.flightNumber}-${tomorrow}`);
        console.log(`scheduled ${String(answer['streamId'])}: ${f.origin} → ${f.destination}, ${f.capacity} seats`);
      }
      // one of each outcome: paid and confirmed, short of seats (LH400 has 3), declined and compensated, and one
      // confirmed then cancelled (refunded, its seat back, its points reversed)
      const bookings = [
        { customerId: 'ada', flight: 'LH400', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }] },
        { customerId: 'ada', flight: 'LH2472', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }], cancel: true },
        {
          customerId: 'grace',
          flight: 'LH400',
          passengers: [
            { firstName: 'Grace', lastName: 'Hopper' },
            { firstName: 'Vincent', lastName: 'Hopper' },
          ],
        },
        { customerId: 'alan', flight: 'LH400', passengers: [{ firstName: 'Alan', lastName: 'Turing' }] },
        { customerId: 'linus', flight: 'UA961', passengers: [{ firstName: 'Linus', lastName: 'Torvalds' }], paymentToken: 'tok_decline' },
      ];
      const wanted = new Map<string, (status: string, payment: string) => boolean>();
      // the outcome comes from the book-flight saga: wait until the read model shows each booking decided (one after
      // the other, so that who gets LH400's last seats is always the same)
      const customers = [...new Set(bookings.map((b) => b.customerId))];
      const deadline = Date.now() + options.wait * 1000;
      const settle = async (what: string): Promise<string[]> => {
        let seen = await lookUp(customers, wanted);
        const settled = () => seen.trouble === undefined && seen.lines.length >= wanted.size && seen.pending.length === 0;
        while (!settled() && Date.now() < deadline) {
          await delay(500);
          seen = await lookUp(customers, wanted);
        }
        if (settled()) return seen.lines;
        if (seen.lines.length > 0) console.log(`\n${seen.lines.join('\n')}\n`);
        const why =
          seen.trouble ??
          (seen.lines.length < wanted.size
            ? `customer-bookings lists ${seen.lines.length} of the ${wanted.size} bookings`
            : `${seen.pending.length} of the ${wanted.size} bookings are not ${what} yet: ${seen.pending.join('; ')}`);
        throw new CliError(
          `the demo's bookings did not settle within ${options.wait} s: ${why}. ` +
            'npx waggle status shows which service is behind or stuck; --wait gives it longer',
          exitCodes.failure,
        );
      };
      const ids: string[] = [];
      for (const [i, b] of bookings.entries()) {
        const answer = await post(
          `${urls.bookings}/api/v1/bookings`,
          {
            customerId: b.customerId,
            flightId: `${b.flight}-${tomorrow}`,
            passengers: b.passengers,
            ...(b.paymentToken === undefined ? {} : { paymentToken: b.paymentToken }),
          },
          `demo-booking-${i}-${tomorrow}`,
        );
        const bookingId = String(answer['bookingId']);
        ids.push(bookingId);
        // a confirmed booking is settled once its fare is captured (the saga's last step)
        wanted.set(bookingId, (status, payment) => status !== 'confirmed' || payment === 'captured');
        const seats = `${b.passengers.length} seat${b.passengers.length > 1 ? 's' : ''}`;
        console.log(
          `requested ${bookingId} for ${b.customerId} on ${b.flight} (${seats}${b.paymentToken ? `, paying with ${b.paymentToken}` : ''})`,
        );
        await settle('decided');
      }
      console.log(`\n${(await settle('decided')).join('\n')}\n`);
      for (const [i, b] of bookings.entries()) {
        const bookingId = ids[i]!;
        if (!b.cancel) continue;
        await post(`${urls.bookings}/api/v1/bookings/${bookingId}/cancel`, { reason: 'plans changed' }, `demo-cancel-${i}-${tomorrow}`);
        console.log(`cancelled ${bookingId} for ${b.customerId} on ${b.flight}: the cancel-booking saga gives the seat back and refunds`);
        wanted.set(bookingId, (status, payment) => status === 'cancelled' && payment === 'refunded');
      }
      console.log(`\n${(await settle('cancelled and refunded')).join('\n')}\n`);
      console.log('Look around:');
      console.log(`  curl '${urls.flightSearch}/api/v1/flights?origin=FRA&destination=JFK&date=${tomorrow}&sort=fare'`);
      console.log(`  curl '${urls.customerBookings}/api/v1/customers/grace/bookings'`);
      console.log(`  curl '${urls.coordinator}/api/workflow/book-flight/correlated/${ids[4]}?includeClosed=true&includeTasks=true'`);
      console.log(`  curl '${urls.payments}/api/v1/payments/${ids[1]}'`);
      console.log(`  npx waggle tail bookings.events --from-beginning --max 10`);
      console.log(`  npx waggle workflows list`);
    });
