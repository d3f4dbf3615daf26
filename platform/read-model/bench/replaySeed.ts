import { randomUUID } from 'node:crypto';
import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { streamVersionHeader } from '@waggle/outbox-relay';
import { bookingsFullNames, flightsFullNames, loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';

/** How many events of each topic the benchmark wrote, and how many documents they make. */
export type Seeded = { readonly flightEvents: number; readonly bookingEvents: number; readonly flights: number; readonly bookings: number };

/**
 * Writes the workload as the flights and bookings services would (Avro, CloudEvents headers, stream versions):
 * flights scheduled, then seat holds and releases spread over them, and bookings requested and confirmed by
 * customers of ten bookings each, `events` in all, half on each topic.
 */
export const seedReplayTopics = async (options: {
  brokers: string;
  registryUrl: string;
  flightsTopic: string;
  bookingsTopic: string;
  events: number;
}): Promise<Seeded> => {
  const serde = createAvroSerde({ registryUrl: options.registryUrl, schemas: loadSchemas() });
  await createTopics(options.brokers, [
    { topic: options.flightsTopic, partitions: 3 },
    { topic: options.bookingsTopic, partitions: 3 },
  ]);
  const producer = createProducer({ brokers: options.brokers, clientId: 'replay-bench-seed', maxBatchRecords: 5000, lingerMs: 20 });
  await producer.start();
  const versions = new Map<string, number>();
  const record = async (topic: string, key: string, fullName: string, data: Record<string, unknown>) => {
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
    const id = randomUUID();
    return {
      topic,
      key,
      value: await serde.encode(topic, fullName, data),
      headers: {
        ...toEventHeaders({
          id,
          type: fullName,
          source: '/bench',
          time: new Date().toISOString(),
          subject: key,
          correlationId: id,
          causationId: id,
        }),
        [streamVersionHeader]: String(version),
      },
    };
  };
  const half = Math.floor(options.events / 2);
  const flights = Math.max(1, Math.floor(half / 50));
  const flightIds = Array.from({ length: flights }, (_, i) => `BN${i}-2026-12-${String((i % 28) + 1).padStart(2, '0')}`);
  const bookings = Math.floor(half / 2);
  const chunk = 5000;
  let pending: Promise<unknown>[] = [];
  const flush = async () => {
    await Promise.all(pending);
    pending = [];
  };
  const send = async (made: Promise<Awaited<ReturnType<typeof record>>>[]) => {
    pending.push(producer.send(await Promise.all(made)));
    if (pending.length >= 4) await flush();
  };
  await send(
    flightIds.map((flightId, i) =>
      record(options.flightsTopic, flightId, flightsFullNames.FlightScheduled, {
        flightId,
        flightNumber: flightId.split('-')[0],
        date: flightId.slice(-10),
        origin: ['FRA', 'MUC', 'AMS'][i % 3],
        destination: ['JFK', 'LHR', 'CDG', 'MAD'][i % 4],
        departureTime: `${flightId.slice(-10)}T10:30:00+01:00`,
        capacity: 1_000_000,
        fareCents: 10_000 + (i % 50) * 100,
        currency: 'EUR',
      }),
    ),
  );
  for (let n = flights; n < half; n += chunk) {
    const made = Array.from({ length: Math.min(chunk, half - n) }, (_, j) => {
      const flightId = flightIds[(n + j) % flights]!;
      const data = { flightId, bookingId: `b-${n + j}`, holdId: `h-${n + j}`, seats: 1 };
      return (n + j) % 5 === 0
        ? record(options.flightsTopic, flightId, flightsFullNames.SeatHoldReleased, { ...data, reason: 'expired' })
        : record(options.flightsTopic, flightId, flightsFullNames.SeatsHeld, { ...data, expiresAt: '2026-11-30T10:00:00Z' });
    });
    await send(made);
  }
  for (let b = 0; b < bookings; b += chunk / 2) {
    const made = Array.from({ length: Math.min(chunk / 2, bookings - b) }, (_, j) => {
      const bookingId = `bk-${b + j}`;
      const flightId = flightIds[(b + j) % flights]!;
      return [
        record(options.bookingsTopic, bookingId, bookingsFullNames.BookingRequested, {
          bookingId,
          customerId: `c-${Math.floor((b + j) / 10)}`,
          flightId,
          passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
          seats: 1,
        }),
        record(options.bookingsTopic, bookingId, bookingsFullNames.BookingConfirmed, {
          bookingId,
          flightId,
          holdId: `h-${b + j}`,
          seats: 1,
        }),
      ];
    }).flat();
    await send(made);
  }
  await flush();
  await producer.stop();
  return { flightEvents: half, bookingEvents: bookings * 2, flights, bookings };
};
