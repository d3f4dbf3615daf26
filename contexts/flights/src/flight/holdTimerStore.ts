import type { Db } from 'mongodb';

/** A seat hold that must be released at `expiresAt` unless it is confirmed or released first. */
export type HoldTimer = { readonly holdId: string; readonly flightId: string; readonly expiresAt: string };

/** Hold timers in the flights database; one writer per hold (its flight's partition), so plain upserts suffice. */
export const createHoldTimerStore = (db: Db) => {
  const timers = db.collection<{ _id: string; flightId: string; expiresAt: string }>('hold_timers');
  return {
    set: async (timer: HoldTimer): Promise<void> => {
      await timers.replaceOne({ _id: timer.holdId }, { flightId: timer.flightId, expiresAt: timer.expiresAt }, { upsert: true });
    },
    clear: async (holdId: string): Promise<void> => {
      // most holds (a booking's) never had a timer: a read is cheaper than a delete, which takes the database's
      // writer (FerretDB's SQLite has one per database) even when nothing matches
      if ((await timers.findOne({ _id: holdId }, { projection: { _id: 1 } })) === null) return;
      await timers.deleteOne({ _id: holdId });
    },
    /** Timers due at `now` (ISO instants compare as strings). A scan: the collection holds only open holds. */
    due: async (now: string, limit: number): Promise<HoldTimer[]> =>
      (
        await timers
          .find({ expiresAt: { $lte: now } })
          .limit(limit)
          .toArray()
      ).map((t) => ({ holdId: t._id, flightId: t.flightId, expiresAt: t.expiresAt })),
  };
};
