import type { EventStore } from '@waggle/event-store';
import type { FlightsEvent } from '@waggle/schemas';
import { z } from 'zod';
import { flightDecider, type Flight } from './flight.ts';

/** A flight's write-side view for operators: its seats and open holds, not the decider's bookkeeping. */
export const flightViewSchema = z.object({
  flightId: z.string(),
  version: z.number().int(),
  status: z.enum(['scheduled', 'cancelled']),
  capacity: z.number().int(),
  seatsLeft: z.number().int(),
  seatsSold: z.number().int(),
  holds: z.array(z.object({ holdId: z.string(), bookingId: z.string(), seats: z.number().int(), expiresAt: z.string().nullable() })),
});
export type FlightView = z.infer<typeof flightViewSchema>;

/**
 * Reads a flight as `handleCommand` does (its snapshot, then the newer events), so a long-lived flight costs a
 * few events, not its whole stream; `undefined` when it was never scheduled.
 */
export const readFlightView = async (store: EventStore, flightId: string): Promise<FlightView | undefined> => {
  const snapshot = await store.readSnapshot(flightId);
  const usable = snapshot !== undefined && snapshot.schemaVersion === flightDecider.stateVersion;
  const slice = await store.readStream(flightId, { fromVersion: usable ? snapshot.version : 0 });
  const flight = slice.events.reduce(
    (state, event) => flightDecider.evolve(state, event as unknown as FlightsEvent),
    usable ? (snapshot.state as Flight) : flightDecider.initialState(),
  );
  if (flight.status === 'none') return undefined;
  const holds = Object.entries(flight.holds);
  return {
    flightId,
    version: slice.version,
    status: flight.status,
    capacity: flight.capacity,
    seatsLeft: flight.seatsLeft,
    seatsSold: holds.reduce((sum, [, hold]) => sum + (hold.confirmed ? hold.seats : 0), 0),
    holds: holds
      .filter(([, hold]) => !hold.confirmed)
      .map(([holdId, { bookingId, seats, expiresAt }]) => ({ holdId, bookingId, seats, expiresAt })),
  };
};
