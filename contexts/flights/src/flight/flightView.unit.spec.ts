import { createInMemoryEventStore, handleCommand, type EventStore } from '@waggle/event-store';
import { beforeEach, describe, expect, it } from 'vitest';
import { flightDecider, type FlightCommand } from './flight.ts';
import { readFlightView } from './flightView.ts';

const flightId = 'LH400-2026-12-01';
let store: EventStore;
let commands = 0;
const run = (command: FlightCommand) =>
  handleCommand(store, flightDecider, {
    streamId: flightId,
    command,
    metadata: { commandId: `c${++commands}`, correlationId: 'c', occurredAt: '2026-11-25T10:00:00.000Z' },
  });
const hold = (bookingId: string, seats = 1, expiresAt: string | null = null) =>
  run({ type: 'HoldSeats', flightId, bookingId, holdId: `hold-${bookingId}`, seats, expiresAt });

beforeEach(async () => {
  store = createInMemoryEventStore();
  await run({
    type: 'ScheduleFlight',
    flightId,
    flightNumber: 'LH400',
    date: '2026-12-01',
    origin: 'FRA',
    destination: 'JFK',
    departureTime: '2026-12-01T10:00:00+01:00',
    capacity: 3,
    fareCents: 45_000,
    currency: 'EUR',
  });
});

describe("a flight's view", () => {
  describe('given a sold hold, an open one with a deadline, and requests refused for lack of seats', () => {
    it('shows seats left and sold and the open hold, not every booking that ever asked', async () => {
      await hold('b1');
      await run({ type: 'ConfirmHold', flightId, holdId: 'hold-b1' });
      await hold('d1', 2, '2026-11-25T10:15:00.000Z');
      for (const b of ['b2', 'b3', 'b4']) await hold(b);
      expect(await readFlightView(store, flightId)).toEqual({
        flightId,
        version: 7,
        status: 'scheduled',
        capacity: 3,
        seatsLeft: 0,
        seatsSold: 1,
        holds: [{ holdId: 'hold-d1', bookingId: 'd1', seats: 2, expiresAt: '2026-11-25T10:15:00.000Z' }],
      });
    });
  });

  describe('given a snapshot of the flight', () => {
    it('is read from the snapshot and the events after it, as handleCommand reads it', async () => {
      await hold('b1');
      const { version, state } = await run({ type: 'ConfirmHold', flightId, holdId: 'hold-b1' });
      // a snapshot that says something the events do not: the view can only show it by reading the snapshot
      const snapshot = {
        streamId: flightId,
        version,
        schemaVersion: flightDecider.stateVersion,
        state: { ...state, capacity: 300, seatsLeft: 299 },
      };
      await store.writeSnapshot(snapshot);
      await hold('b2');
      expect(await readFlightView(store, flightId)).toMatchObject({ version: version + 1, capacity: 300, seatsLeft: 298, seatsSold: 1 });
    });

    it('ignores a snapshot of another state shape', async () => {
      const { version, state } = await hold('b1');
      const snapshot = { streamId: flightId, version, schemaVersion: 0, state: { ...state, seatsLeft: 99 } };
      await store.writeSnapshot(snapshot);
      expect(await readFlightView(store, flightId)).toMatchObject({ version, seatsLeft: 2 });
    });
  });

  describe('given no flight', () => {
    it('is undefined (404)', async () => {
      expect(await readFlightView(store, 'XX1-2026-12-01')).toBeUndefined();
    });
  });
});
