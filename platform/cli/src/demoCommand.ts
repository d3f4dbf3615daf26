import { setTimeout as delay } from 'node:timers/promises';
import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { serviceUrl } from './serviceUrls.ts';

const urls = {
  flights: serviceUrl('flights'),
  bookings: serviceUrl('bookings'),
  flightSearch: serviceUrl('flight-search'),
  customerBookings: serviceUrl('customer-bookings'),
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

/** `waggle demo`: seeds a few flights and bookings through the services' REST APIs (idempotent: run it twice, same data). */
export const demoCommand = (): Command =>
  new Command('demo')
    .description('seed example flights and bookings through the REST APIs of a running system, then show where to look')
    .addHelpText('after', '\nExample:\n  $ npm start   # in one terminal\n  $ npx waggle demo')
    .action(async () => {
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
      const bookings = [
        { customerId: 'ada', flight: 'LH400', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }] },
        { customerId: 'ada', flight: 'LH2472', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }] },
        {
          customerId: 'grace',
          flight: 'LH400',
          passengers: [
            { firstName: 'Grace', lastName: 'Hopper' },
            { firstName: 'Vincent', lastName: 'Hopper' },
          ],
        },
        { customerId: 'alan', flight: 'LH400', passengers: [{ firstName: 'Alan', lastName: 'Turing' }] },
      ];
      for (const [i, b] of bookings.entries()) {
        const answer = await post(
          `${urls.bookings}/api/v1/bookings`,
          { customerId: b.customerId, flightId: `${b.flight}-${tomorrow}`, passengers: b.passengers },
          `demo-booking-${i}-${tomorrow}`,
        );
        console.log(
          `requested ${String(answer['bookingId'])} for ${b.customerId} on ${b.flight} (${b.passengers.length} seat${b.passengers.length > 1 ? 's' : ''})`,
        );
      }
      // the outcome comes by choreography: wait until the read model shows every booking decided
      const deadline = Date.now() + 30_000;
      let statuses: string[] = [];
      while (Date.now() < deadline) {
        statuses = [];
        for (const customer of ['ada', 'grace', 'alan']) {
          const response = await fetch(`${urls.customerBookings}/api/v1/customers/${customer}/bookings`).catch(() => undefined);
          const list = response?.ok
            ? (((await response.json()) as { items?: { flightId: string; status: string; reason?: string }[] }).items ?? [])
            : [];
          for (const item of list) statuses.push(`${customer}: ${item.flightId} ${item.status}${item.reason ? ` (${item.reason})` : ''}`);
        }
        if (statuses.length >= bookings.length && statuses.every((s) => !s.includes(' requested'))) break;
        await delay(500);
      }
      console.log(`\n${statuses.join('\n')}\n`);
      console.log('Look around:');
      console.log(`  curl '${urls.flightSearch}/api/v1/flights?origin=FRA&destination=JFK&date=${tomorrow}&sort=fare'`);
      console.log(`  curl '${urls.customerBookings}/api/v1/customers/grace/bookings'`);
      console.log(`  npx waggle tail bookings.events --from-beginning --max 10`);
    });
