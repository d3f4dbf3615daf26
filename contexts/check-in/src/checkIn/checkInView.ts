import type { EventStore } from '@waggle/event-store';
import type { CheckinEvent } from '@waggle/schemas';
import { z } from 'zod';
import { windowOf, type CheckInRecords } from './checkInRecords.ts';
import { flightCheckInDecider, type FlightCheckIn } from './flightCheckIn.ts';

export const boardingPassSchema = z
  .object({
    bookingId: z.string(),
    flightId: z.string(),
    passengerName: z.string(),
    seat: z.string(),
    gate: z.string().nullable().describe('Null until the airport assigns one'),
  })
  .meta({ id: 'BoardingPass' });

/** A booking's check-in: pending until it opens, open, then closed (departed, booking or flight cancelled). */
export const checkInViewSchema = z
  .object({
    bookingId: z.string(),
    flightId: z.string(),
    status: z.enum(['pending', 'open', 'closed']),
    opensAt: z.string().nullable().describe('Null while the flight’s departure is not known here'),
    closesAt: z.string().nullable().describe('Departure'),
    closedReason: z.string().nullable(),
    passengers: z.array(z.object({ passengerName: z.string(), seat: z.string().nullable() })),
  })
  .meta({ id: 'CheckIn' });
export type CheckInView = z.infer<typeof checkInViewSchema>;

/** A flight's check-in state as `handleCommand` reads it: its snapshot, then the newer events. */
export const readFlightCheckIn = async (store: EventStore, flightId: string): Promise<FlightCheckIn> => {
  const snapshot = await store.readSnapshot(flightId);
  const usable = snapshot !== undefined && snapshot.schemaVersion === flightCheckInDecider.stateVersion;
  const slice = await store.readStream(flightId, { fromVersion: usable ? snapshot.version : 0 });
  return slice.events.reduce(
    (state, event) => flightCheckInDecider.evolve(state, event as unknown as CheckinEvent),
    usable ? (snapshot.state as FlightCheckIn) : flightCheckInDecider.initialState(),
  );
};

/** A booking's check-in; undefined for a booking check-in knows nothing of, or one never confirmed. */
export const readCheckInView = async (
  store: EventStore,
  records: CheckInRecords,
  bookingId: string,
  opensBeforeSeconds: number,
): Promise<CheckInView | undefined> => {
  const booking = await records.booking(bookingId);
  if (booking === undefined) return undefined;
  const entry = (await readFlightCheckIn(store, booking.flightId)).bookings[bookingId];
  if (entry === undefined && !booking.confirmed) return undefined;
  const flight = await records.flight(booking.flightId);
  const window = flight.departureTime === undefined ? undefined : windowOf(flight.departureTime, opensBeforeSeconds);
  const passengers = entry?.passengers.length ? entry.passengers : booking.passengers;
  return {
    bookingId,
    flightId: booking.flightId,
    status: entry?.status ?? 'pending',
    opensAt: window?.opensAt ?? null,
    closesAt: entry?.closesAt ?? window?.closesAt ?? null,
    closedReason: entry?.closedReason ?? null,
    passengers: passengers.map((passengerName) => ({ passengerName, seat: entry?.seats[passengerName] ?? null })),
  };
};
