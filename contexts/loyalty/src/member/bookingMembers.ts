import type { Db } from 'mongodb';

/**
 * Whose booking is whose: BookingConfirmed and BookingCancelled name no customer, BookingRequested does. All three
 * are events of one booking stream, so one partition of the bookings topic, in order: the request's row is written
 * before its confirmation is handled. One writer per booking (its partition's consumer), so plain upserts suffice.
 */
export const createBookingMembers = (db: Db) => {
  const rows = db.collection<{ _id: string; memberId: string }>('booking_members');
  return {
    remember: async (bookingId: string, memberId: string): Promise<void> => {
      await rows.updateOne({ _id: bookingId }, { $set: { memberId } }, { upsert: true });
    },
    memberOf: async (bookingId: string): Promise<string | undefined> => (await rows.findOne({ _id: bookingId }))?.memberId,
  };
};
