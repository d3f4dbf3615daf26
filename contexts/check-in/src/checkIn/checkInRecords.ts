import type { Db } from 'mongodb';

/** What check-in knows of a booking from bookings' events: its flight, its passengers, whether it was confirmed. */
export type BookingRecord = {
  readonly bookingId: string;
  readonly flightId: string;
  readonly passengers: readonly string[];
  readonly confirmed: boolean;
};

/** What check-in knows of a flight from flights' events. */
export type FlightRecord = { readonly flightId: string; readonly departureTime: string; readonly cancelled: boolean };

/**
 * A booking's durable check-in timer: first it opens check-in (`stage: 'open'` at `opensAt`), then it closes it at
 * departure (`stage: 'close'` at `closesAt`). The times are null while the flight's departure is not known here
 * (the flights topic is consumed apart from the bookings topic, so a confirmation can come first).
 */
export type CheckInTimer = {
  readonly bookingId: string;
  readonly flightId: string;
  readonly stage: 'open' | 'close';
  readonly opensAt: string | null;
  readonly closesAt: string | null;
};

type BookingDoc = { _id: string; flightId: string; passengers: string[]; confirmed: boolean };
type FlightDoc = { _id: string; departureTime?: string; cancelled?: boolean };
type TimerDoc = { _id: string; flightId: string; stage: 'open' | 'close'; opensAt: string | null; closesAt: string | null };

/** When check-in opens and closes for a flight departing at `departureTime` (UTC ISO instants, which compare as strings). */
export const windowOf = (departureTime: string, opensHoursBefore: number): { opensAt: string; closesAt: string } => {
  const departure = Date.parse(departureTime);
  return { opensAt: new Date(departure - opensHoursBefore * 3600_000).toISOString(), closesAt: new Date(departure).toISOString() };
};

/**
 * Check-in's own records in its database, kept from other contexts' events by its reactions. Each booking's rows
 * are written by the consumer of its partition of the bookings topic, each flight's by that of the flights topic;
 * where both meet (a timer's times), each side writes first and reads the other second, so whichever comes last
 * sees the other's write.
 */
export const createCheckInRecords = (db: Db) => {
  const bookings = db.collection<BookingDoc>('checkin_bookings');
  const flights = db.collection<FlightDoc>('checkin_flights');
  const timers = db.collection<TimerDoc>('checkin_timers');
  const toTimer = (t: TimerDoc): CheckInTimer => ({ bookingId: t._id, ...t });
  return {
    rememberBooking: async (bookingId: string, flightId: string, passengers: readonly string[]): Promise<void> => {
      await bookings.updateOne(
        { _id: bookingId },
        { $set: { flightId, passengers: [...passengers] }, $setOnInsert: { confirmed: false } },
        { upsert: true },
      );
    },
    confirmBooking: async (bookingId: string, flightId: string): Promise<void> => {
      await bookings.updateOne(
        { _id: bookingId },
        { $set: { flightId, confirmed: true }, $setOnInsert: { passengers: [] } },
        { upsert: true },
      );
    },
    booking: async (bookingId: string): Promise<BookingRecord | undefined> => {
      const doc = await bookings.findOne({ _id: bookingId });
      return doc === null ? undefined : { bookingId, flightId: doc.flightId, passengers: doc.passengers, confirmed: doc.confirmed };
    },
    confirmedBookingsOf: async (flightId: string): Promise<string[]> =>
      (await bookings.find({ flightId, confirmed: true }, { projection: { _id: 1 } }).toArray()).map((b) => b._id),
    rememberFlight: async (flightId: string, departureTime: string): Promise<void> => {
      await flights.updateOne({ _id: flightId }, { $set: { departureTime } }, { upsert: true });
    },
    cancelFlight: async (flightId: string): Promise<void> => {
      await flights.updateOne({ _id: flightId }, { $set: { cancelled: true } }, { upsert: true });
    },
    flight: async (flightId: string): Promise<Partial<FlightRecord> & { flightId: string }> => {
      const doc = await flights.findOne({ _id: flightId });
      return {
        flightId,
        ...(doc?.departureTime === undefined ? {} : { departureTime: doc.departureTime }),
        cancelled: doc?.cancelled === true,
      };
    },
    /** Sets a booking's timer unless it has one (a redelivered confirmation leaves a timer under way alone). */
    addTimer: async (bookingId: string, flightId: string): Promise<void> => {
      await timers.updateOne(
        { _id: bookingId },
        { $setOnInsert: { flightId, stage: 'open', opensAt: null, closesAt: null } },
        { upsert: true },
      );
    },
    /** Gives the flight's timers that wait for its departure their times. */
    timeTimers: async (filter: { flightId: string; bookingId?: string }, window: { opensAt: string; closesAt: string }): Promise<void> => {
      await timers.updateMany(
        { flightId: filter.flightId, opensAt: null, ...(filter.bookingId === undefined ? {} : { _id: filter.bookingId }) },
        { $set: window },
      );
    },
    /** Timers due at `now`. A scan: the collection holds only the timers of bookings whose check-in is still to close. */
    dueTimers: async (now: string, limit: number): Promise<CheckInTimer[]> =>
      (
        await timers
          .find({
            $or: [
              { stage: 'open', opensAt: { $lte: now } },
              { stage: 'close', closesAt: { $lte: now } },
            ],
          })
          .limit(limit)
          .toArray()
      ).map(toTimer),
    timer: async (bookingId: string): Promise<CheckInTimer | undefined> => {
      const doc = await timers.findOne({ _id: bookingId });
      return doc === null ? undefined : toTimer(doc);
    },
    /** Moves an opened timer on to its closing (a timer removed meanwhile stays removed). */
    timerOpened: async (bookingId: string): Promise<void> => {
      await timers.updateOne({ _id: bookingId, stage: 'open' }, { $set: { stage: 'close' } });
    },
    removeTimer: async (bookingId: string): Promise<void> => {
      await timers.deleteOne({ _id: bookingId });
    },
    removeTimersOf: async (flightId: string): Promise<void> => {
      await timers.deleteMany({ flightId });
    },
  };
};

export type CheckInRecords = ReturnType<typeof createCheckInRecords>;
