import { ValidationError } from '@waggle/errors';
import type { IncomingEvent, ServiceDeps } from '@waggle/event-sourced-service';
import { handleCommand, openMongoEventStore, type OpenedEventStore, type RecordedEvent } from '@waggle/event-store';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { flightDecider, type FlightCommand } from './flight.ts';
import { createHoldExpiry } from './holdExpiry.ts';

const flightId = 'LH400-2026-12-01';
let opened: OpenedEventStore;
let expiry: ReturnType<typeof createHoldExpiry>;
let commands = 0;

beforeAll(async () => {
  opened = await openMongoEventStore({ url: inject('stack').mongoUrl, database: uniqueName('flights-expiry') });
  const deps: ServiceDeps = {
    store: opened.store,
    db: opened.db,
    serde: createAvroSerde({ registryUrl: inject('stack').schemaRegistryUrl, schemas: loadSchemas() }),
    logger: createLogger({ service: 'flights-test', level: 'silent' }),
  };
  expiry = createHoldExpiry(deps, { flightsTopic: 'flights.events', sweepEveryMs: 50 });
  await run({
    type: 'ScheduleFlight',
    flightId,
    flightNumber: 'LH400',
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:00:00+01:00',
    capacity: 9,
    fareCents: 45_000,
    currency: 'EUR',
  });
  expiry.start();
});
afterAll(async () => {
  await expiry?.stop();
  await opened?.close();
});

async function run(command: FlightCommand): Promise<readonly RecordedEvent[]> {
  const result = await handleCommand(opened.store, flightDecider, {
    streamId: flightId,
    command,
    metadata: { commandId: `c${++commands}`, correlationId: 'c', occurredAt: new Date().toISOString() },
  });
  return result.events;
}
// what the consumer of flights' own topic hands the hold timers: the appended events, as Kafka delivers them
const deliver = async (events: readonly RecordedEvent[]) => {
  for (const e of events) {
    const incoming: IncomingEvent = {
      type: e.type,
      fullName: `waggle.flights.${e.type}`,
      data: e.data,
      meta: {
        id: e.metadata.eventId,
        type: `waggle.flights.${e.type}`,
        source: '/waggle/flights',
        time: e.metadata.occurredAt,
        subject: flightId,
        correlationId: e.metadata.correlationId,
        causationId: e.metadata.causationId,
      },
      topic: 'flights.events',
      partition: 0,
      offset: String(e.version),
    };
    await expiry.reaction.handle(incoming);
  }
};
const hold = (bookingId: string, expiresAt: string | null) =>
  run({ type: 'HoldSeats', flightId, bookingId, holdId: `hold-${bookingId}`, seats: 1, expiresAt });
const releases = async (holdId: string) =>
  (await opened.store.readStream(flightId)).events.filter((e) => e.type === 'SeatHoldReleased' && e.data['holdId'] === holdId);
const timerOf = (holdId: string) => opened.db.collection('hold_timers').findOne({ _id: holdId as never });
const inOneSecond = () => new Date(Date.now() + 1000).toISOString();

describe('seat-hold expiry on real MongoDB', () => {
  describe("given a booking's hold (no deadline) and a hold taken over the API that is never confirmed", () => {
    it("releases the API hold when it is due and never touches the booking's hold", async () => {
      await deliver(await hold('b1', null));
      expect(await timerOf('hold-b1')).toBeNull();
      const direct = await hold('direct-1', inOneSecond());
      await deliver(direct);
      const [released] = await waitFor(async () => ((await releases('hold-direct-1')).length > 0 ? releases('hold-direct-1') : undefined), {
        description: 'the API hold expired',
      });
      expect(released?.data).toMatchObject({ bookingId: 'direct-1', seats: 1, reason: 'expired' });
      expect(await releases('hold-b1')).toEqual([]);
    });
  });

  describe('given a hold confirmed before it is due', () => {
    it('never expires it', async () => {
      const held = await hold('direct-2', inOneSecond());
      await deliver(held);
      await deliver(await run({ type: 'ConfirmHold', flightId, holdId: 'hold-direct-2' }));
      expect(await timerOf('hold-direct-2')).toBeNull();
      // a later hold that does expire shows that the sweep ran past the confirmed one's deadline
      await deliver(await hold('direct-3', inOneSecond()));
      await waitFor(async () => (await releases('hold-direct-3')).length > 0, { description: 'the later hold expired' });
      expect(await releases('hold-direct-2')).toEqual([]);
    });
  });

  describe('given an expired hold whose SeatsHeld is redelivered after the release', () => {
    it('sets the timer again, and the sweep drops it without releasing twice', async () => {
      const held = await hold('direct-4', inOneSecond());
      await deliver(held);
      await waitFor(async () => (await releases('hold-direct-4')).length > 0, { description: 'the hold expired' });
      await deliver(held);
      await waitFor(async () => (await timerOf('hold-direct-4')) === null, { description: 'the redelivered timer dropped' });
      expect(await releases('hold-direct-4')).toHaveLength(1);
    });
  });

  describe('given a record of its own topic that breaks its schema', () => {
    it('throws a ValidationError (dead-lettered) and sets no timer', async () => {
      const [held] = await hold('direct-5', inOneSecond());
      const { holdId: _dropped, ...broken } = held!.data;
      const error = await expiry.reaction
        .handle({
          type: 'SeatsHeld',
          fullName: 'waggle.flights.SeatsHeld',
          data: broken,
          meta: {
            id: 'x',
            type: 'waggle.flights.SeatsHeld',
            source: '/waggle/flights',
            time: '',
            subject: flightId,
            correlationId: 'c',
            causationId: 'c',
          },
          topic: 'flights.events',
          partition: 1,
          offset: '9',
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(await opened.db.collection('hold_timers').countDocuments({ _id: 'undefined' as never })).toBe(0);
    });
  });
});
