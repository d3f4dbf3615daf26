import type { CustomerBooking } from './customerBooking.ts';

/** Where a page of a customer's bookings (newest first) ends. */
export type BookingsPosition = { readonly requestedAt: string; readonly bookingId: string };

/**
 * A customer's bookings in list order, pre-aggregated so that listing them is one `_id` read (the customer id)
 * and one `_id $in` read of the page's bookings: newest request first, ties by booking id, descending. Written
 * by every partition of the bookings topic (a customer's bookings have different keys), hence a set by booking
 * id that an update brings to the booking's current state, idempotently.
 */
export type CustomerIndex = { readonly customerId: string; readonly entries: readonly BookingsPosition[] };

const before = (a: BookingsPosition, b: BookingsPosition): boolean =>
  a.requestedAt > b.requestedAt || (a.requestedAt === b.requestedAt && a.bookingId > b.bookingId);

/** The position a booking has in its customer's list; undefined while its request is not known. */
export const positionOf = (booking: CustomerBooking): BookingsPosition | undefined =>
  booking.customerId === null || booking.requestedAt === null
    ? undefined
    : { requestedAt: booking.requestedAt, bookingId: booking.bookingId };

/** The index with each booking at its position: the same object when every one is there already. */
export const withBookings = (index: CustomerIndex, positions: readonly BookingsPosition[]): CustomerIndex => {
  const missing = positions.filter(
    (p) => !index.entries.some((entry) => entry.bookingId === p.bookingId && entry.requestedAt === p.requestedAt),
  );
  if (missing.length === 0) return index;
  const moved = new Set(missing.map((p) => p.bookingId));
  const entries = [...index.entries.filter((entry) => !moved.has(entry.bookingId)), ...missing];
  entries.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return { ...index, entries };
};

/** The entries after `after` (strictly later in list order), in list order. */
export const entriesAfter = (index: CustomerIndex, after: BookingsPosition | undefined): readonly BookingsPosition[] =>
  after === undefined ? index.entries : index.entries.filter((entry) => before(after, entry));
