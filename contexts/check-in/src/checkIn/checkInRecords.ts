import type { Db } from 'mongodb';

/** What check-in knows of a booking from bookings' events: its flight, its passengers, whether it was confirmed. */
export type BookingRecord = {
  readonly bookingId: string;
  readonly flightId: string;
  readonly passengers: readonly string[];
  readonly confirmed: boolean;
  /** Its check-in was closed (cancelled, departed): a redelivered confirmation sets no timer again. */
  readonly closed: boolean;
};

/** What check-in knows of a flight from flights' events; nothing at all before its FlightScheduled is seen. */
export type FlightRecord = {
  readonly flightId: string;
  readonly departureTime?: string;
  /** Seats for sale: check-in gives seats within them. */
  readonly capacity?: number;
  /** Set once FlightCancelled is seen: why. */
  readonly cancelled?: string;
};

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

type BookingDoc = { _id: string; flightId: string; passengers: string[]; confirmed: boolean; closed?: boolean };
type FlightDoc = { _id: string; departureTime?: string; capacity?: number; cancelled?: string };
type TimerDoc = { _id: string; flightId: string; stage: 'open' | 'close'; opensAt: string | null; closesAt: string | null };

/** When check-in opens and closes for a flight departing at `departureTime` (UTC ISO instants, which compare as strings). */
export const windowOf = (departureTime: string, opensBeforeSeconds: number): { opensAt: string; closesAt: string } => {
  const departure = Date.parse(departureTime);
  return { opensAt: new Date(departure - opensBeforeSeconds * 1000).toISOString(), closesAt: new Date(departure).toISOString() };
};

const toBooking = (doc: BookingDoc): BookingRecord => ({
  bookingId: doc._id,
  flightId: doc.flightId,
  passengers: doc.passengers,
  confirmed: doc.confirmed,
  closed: doc.closed === true,
});

/**
 * Check-in's own records in its database, kept from other contexts' events by its reactions. Each booking's rows
 * are written by the consumer of its partition of the bookings topic, each flight's by that of the flights topic;
 * where both meet (a timer's times, a cancelled flight's bookings), each side writes first and reads the other
 * second, so whichever comes last sees the other's write. Every write is an upsert or a guarded update: a
 * redelivered event writes the same again.
 */
export const createCheckInRecords = (db: Db) => {
  const bookings = db.collection<BookingDoc>('checkin_bookings');
  const flights = db.collection<FlightDoc>('checkin_flights');
  const timers = db.collection<TimerDoc>('checkin_timers');
  const toTimer = (t: TimerDoc): CheckInTimer => ({ bookingId: t._id, ...t });
  const earliest = async (stage: 'open' | 'close', field: 'opensAt' | 'closesAt'): Promise<string | undefined> => {
    const [first] = await timers
      .find({ stage, [field]: { $ne: null } })
      .sort({ [field]: 1 })
      .limit(1)
      .toArray();
    return first?.[field] ?? undefined;
  };
  return {
    rememberBooking: async (bookingId: string, flightId: string, passengers: readonly string[]): Promise<void> => {
      await bookings.updateOne(
        { _id: bookingId },
        { $set: { flightId, passengers: [...passengers] }, $setOnInsert: { confirmed: false } },
        { upsert: true },
      );
    },
    /** Marks the booking confirmed; resolves with what is known of it now. */
    confirmBooking: async (bookingId: string, flightId: string): Promise<BookingRecord> => {
      const doc = await bookings.findOneAndUpdate(
        { _id: bookingId },
        { $set: { flightId, confirmed: true }, $setOnInsert: { passengers: [] } },
        { upsert: true, returnDocument: 'after' },
      );
      return doc === null ? { bookingId, flightId, passengers: [], confirmed: true, closed: false } : toBooking(doc);
    },
    booking: async (bookingId: string): Promise<BookingRecord | undefined> => {
      const doc = await bookings.findOne({ _id: bookingId });
      return doc === null ? undefined : toBooking(doc);
    },
    /** Its check-in closed for good: its timer goes, and a redelivered confirmation sets none again. */
    closeBooking: async (bookingId: string): Promise<void> => {
      await bookings.updateOne({ _id: bookingId }, { $set: { closed: true } });
      await timers.deleteOne({ _id: bookingId });
    },
    /** A scan of the flight's bookings; only a flight's cancellation asks. */
    confirmedBookingsOf: async (flightId: string): Promise<string[]> =>
      (await bookings.find({ flightId, confirmed: true }, { projection: { _id: 1 } }).toArray()).map((b) => b._id),
    rememberFlight: async (flightId: string, departureTime: string, capacity: number): Promise<void> => {
      await flights.updateOne({ _id: flightId }, { $set: { departureTime, capacity } }, { upsert: true });
    },
    cancelFlight: async (flightId: string, reason: string): Promise<void> => {
      await flights.updateOne({ _id: flightId }, { $set: { cancelled: reason } }, { upsert: true });
    },
    flight: async (flightId: string): Promise<FlightRecord> => {
      const doc = await flights.findOne({ _id: flightId });
      return {
        flightId,
        ...(doc?.departureTime === undefined ? {} : { departureTime: doc.departureTime }),
        ...(doc?.capacity === undefined ? {} : { capacity: doc.capacity }),
        ...(doc?.cancelled === undefined ? {} : { cancelled: doc.cancelled }),
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
    /** When the next timer is due, undefined when none is timed. */
    nextDue: async (): Promise<string | undefined> => {
      const [opening, closing] = await Promise.all([earliest('open', 'opensAt'), earliest('close', 'closesAt')]);
      return [opening, closing].filter((t) => t !== undefined).sort()[0];
    },
    timer: async (bookingId: string): Promise<CheckInTimer | undefined> => {
      const doc = await timers.findOne({ _id: bookingId });
      return doc === null ? undefined : toTimer(doc);
    },
    /** Moves an opened timer on to its closing (a timer removed meanwhile stays removed). */
    timerOpened: async (bookingId: string): Promise<void> => {
      await timers.updateOne({ _id: bookingId, stage: 'open' }, { $set: { stage: 'close' } });
    },
    removeTimersOf: async (flightId: string): Promise<void> => {
      await timers.deleteMany({ flightId });
    },
  };
};

export type CheckInRecords = ReturnType<typeof createCheckInRecords>;
