/** Money of one currency in its minor unit, and of how many payment events. */
export type CurrencyAmount = { readonly currency: string; readonly cents: number; readonly count: number };

/** Revenue of one currency: what was captured, what of it was refunded (voided authorizations are neither). */
export type CurrencyRevenue = {
  readonly currency: string;
  readonly capturedCents: number;
  readonly refundedCents: number;
  /** Captured minus refunded. */
  readonly netCents: number;
  /** Refunds of captured money (PaymentRefunded with voided = false). */
  readonly refunds: number;
};

/** What a route sold on a day, or a flight, or one booking contributes: every figure a sum of the bookings'. */
export type RevenueFigures = {
  /** Bookings confirmed, cancelled later or not. */
  readonly bookingsConfirmed: number;
  /** Seats of the confirmed bookings that are not cancelled. */
  readonly seatsSold: number;
  /** Confirmed bookings that were cancelled (a booking cancelled before its confirmation sold nothing). */
  readonly cancellations: number;
  readonly seatsCancelled: number;
  /** By currency, A to Z: a payment's currency is its own, whatever the fare's. */
  readonly revenue: readonly CurrencyRevenue[];
};

export const noFigures: RevenueFigures = { bookingsConfirmed: 0, seatsSold: 0, cancellations: 0, seatsCancelled: 0, revenue: [] };

const byCurrency = <T extends { readonly currency: string }>(a: T, b: T): number =>
  a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0;

/** Amounts with one more payment event of `cents` in `currency`, in currency order. */
export const addAmount = (amounts: readonly CurrencyAmount[], currency: string, cents: number): CurrencyAmount[] => {
  const found = amounts.some((a) => a.currency === currency);
  const added = found
    ? amounts.map((a) => (a.currency === currency ? { currency, cents: a.cents + cents, count: a.count + 1 } : a))
    : [...amounts, { currency, cents, count: 1 }];
  return added.sort(byCurrency);
};

const addRevenue = (a: CurrencyRevenue, b: CurrencyRevenue): CurrencyRevenue => ({
  currency: a.currency,
  capturedCents: a.capturedCents + b.capturedCents,
  refundedCents: a.refundedCents + b.refundedCents,
  netCents: a.netCents + b.netCents,
  refunds: a.refunds + b.refunds,
});

/** The sum of figures: counts added, revenue added per currency. */
export const sumFigures = (all: readonly RevenueFigures[]): RevenueFigures => {
  const revenue = new Map<string, CurrencyRevenue>();
  for (const figures of all)
    for (const r of figures.revenue) {
      const before = revenue.get(r.currency);
      revenue.set(r.currency, before === undefined ? r : addRevenue(before, r));
    }
  return {
    bookingsConfirmed: all.reduce((sum, f) => sum + f.bookingsConfirmed, 0),
    seatsSold: all.reduce((sum, f) => sum + f.seatsSold, 0),
    cancellations: all.reduce((sum, f) => sum + f.cancellations, 0),
    seatsCancelled: all.reduce((sum, f) => sum + f.seatsCancelled, 0),
    revenue: [...revenue.values()].sort(byCurrency),
  };
};

/** Revenue per currency from what was captured and refunded. */
export const revenueOf = (captured: readonly CurrencyAmount[], refunded: readonly CurrencyAmount[]): CurrencyRevenue[] => {
  const currencies = [...new Set([...captured, ...refunded].map((a) => a.currency))].sort();
  const of = (amounts: readonly CurrencyAmount[], currency: string) => amounts.find((a) => a.currency === currency);
  return currencies.map((currency) => {
    const capturedCents = of(captured, currency)?.cents ?? 0;
    const refundedCents = of(refunded, currency)?.cents ?? 0;
    return { currency, capturedCents, refundedCents, netCents: capturedCents - refundedCents, refunds: of(refunded, currency)?.count ?? 0 };
  });
};
