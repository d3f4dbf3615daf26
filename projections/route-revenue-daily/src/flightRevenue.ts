import type { BookingFacts } from './bookingFacts.ts';
import type { PaymentFacts } from './paymentFacts.ts';
import { noFigures, revenueOf, sumFigures, type RevenueFigures } from './revenueFigures.ts';

/** A copy of a booking's facts, as far as revenue needs them. */
export type BookingPart = Pick<BookingFacts, 'applied' | 'confirmed' | 'cancelled' | 'seats'>;
/** A copy of a booking's payment facts. */
export type PaymentPart = Pick<PaymentFacts, 'applied' | 'captured' | 'refunded'>;

/** One booking of the flight: copies of its booking and payment facts, each null until known here. */
export type BookingRevenue = {
  readonly bookingId: string;
  readonly booking: BookingPart | null;
  readonly payment: PaymentPart | null;
};

/**
 * The revenue of one flight, with every booking it comes from. Written by every partition of the bookings and
 * payments topics (a flight's bookings have different keys), so it holds copies of each booking's facts rather
 * than counters: a writer sets the copies it has, a copy replaces another only when it reflects more events
 * (`applied`), and the figures are summed from the copies. Applying the same facts again, in any order and from
 * any writer, gives the same document. Bounded by the bookings of the flight.
 */
export type FlightRevenue = {
  readonly flightId: string;
  /** In booking id order, so a rebuild stores the same document whatever order its writes came in. */
  readonly bookings: readonly BookingRevenue[];
  readonly figures: RevenueFigures;
  /** Events reflected, over all the copies: grows with every change, so it orders two states of the document. */
  readonly applied: number;
};

export const initialFlightRevenue = (flightId: string): FlightRevenue => ({ flightId, bookings: [], figures: noFigures, applied: 0 });

/** A booking's entry from its facts as they are known now. */
export const bookingRevenueOf = (
  bookingId: string,
  booking: BookingFacts | undefined,
  payment: PaymentFacts | undefined,
): BookingRevenue => ({
  bookingId,
  booking:
    booking === undefined
      ? null
      : { applied: booking.applied, confirmed: booking.confirmed, cancelled: booking.cancelled, seats: booking.seats },
  payment: payment === undefined ? null : { applied: payment.applied, captured: payment.captured, refunded: payment.refunded },
});

/** What one booking contributes to its flight's figures. */
export const figuresOf = ({ booking, payment }: BookingRevenue): RevenueFigures => {
  const confirmed = booking?.confirmed === true;
  const cancelled = confirmed && booking.cancelled;
  const seats = booking?.seats ?? 0;
  return {
    bookingsConfirmed: confirmed ? 1 : 0,
    seatsSold: confirmed && !cancelled ? seats : 0,
    cancellations: cancelled ? 1 : 0,
    seatsCancelled: cancelled ? seats : 0,
    revenue: payment === null ? [] : revenueOf(payment.captured, payment.refunded),
  };
};

const newer = <P extends { readonly applied: number }>(stored: P | null, incoming: P | null): P | null =>
  incoming === null || (stored !== null && stored.applied >= incoming.applied) ? stored : incoming;

const appliedOf = (entry: BookingRevenue): number => (entry.booking?.applied ?? 0) + (entry.payment?.applied ?? 0);

/** The flight with each entry's copies brought to the newer of stored and incoming: the same object when none is newer. */
export const withBookingRevenue = (flight: FlightRevenue, incoming: readonly BookingRevenue[]): FlightRevenue => {
  const entries = new Map(flight.bookings.map((entry) => [entry.bookingId, entry]));
  let changed = false;
  for (const entry of incoming) {
    const stored = entries.get(entry.bookingId) ?? { bookingId: entry.bookingId, booking: null, payment: null };
    const merged = {
      bookingId: entry.bookingId,
      booking: newer(stored.booking, entry.booking),
      payment: newer(stored.payment, entry.payment),
    };
    if (merged.booking === stored.booking && merged.payment === stored.payment && entries.has(entry.bookingId)) continue;
    entries.set(entry.bookingId, merged);
    changed = true;
  }
  if (!changed) return flight;
  const bookings = [...entries.values()].sort((a, b) => (a.bookingId < b.bookingId ? -1 : a.bookingId > b.bookingId ? 1 : 0));
  return {
    flightId: flight.flightId,
    bookings,
    figures: sumFigures(bookings.map(figuresOf)),
    applied: bookings.reduce((sum, entry) => sum + appliedOf(entry), 0),
  };
};
