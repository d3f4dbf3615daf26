import { z } from 'zod';
import type { RevenueFigures } from './revenueFigures.ts';
import type { RouteDayRevenue } from './routeDayRevenue.ts';

const currencyRevenueSchema = z
  .object({
    currency: z.string().describe('ISO 4217, of the payments'),
    capturedCents: z.number().int().describe('Captured, in the minor unit of the currency'),
    refundedCents: z.number().int().describe('Refunded of the captured money (voided authorizations are not refunds)'),
    netCents: z.number().int().describe('capturedCents minus refundedCents'),
    refunds: z.number().int().describe('Refunds of captured money'),
  })
  .meta({ id: 'CurrencyRevenue' });

const figuresShape = {
  bookingsConfirmed: z.number().int().describe('Bookings confirmed, cancelled later or not'),
  seatsSold: z.number().int().describe('Seats of the confirmed bookings not cancelled'),
  cancellations: z.number().int().describe('Confirmed bookings cancelled'),
  seatsCancelled: z.number().int(),
  revenue: z.array(currencyRevenueSchema).describe('By currency, A to Z'),
};

const dayRevenueSchema = z
  .object({ date: z.string().describe('Local departure date of the flights, YYYY-MM-DD'), flights: z.number().int(), ...figuresShape })
  .meta({ id: 'DayRevenue' });

export const routeRevenueSchema = z
  .object({
    origin: z.string(),
    destination: z.string(),
    from: z.string(),
    to: z.string(),
    days: z.array(dayRevenueSchema).describe('The days of the range with a flight of the route scheduled, in date order'),
    totals: z.object(figuresShape).meta({ id: 'RevenueTotals' }).describe('The sum of the days'),
  })
  .meta({ id: 'RouteRevenue' });

export type RouteRevenueView = z.infer<typeof routeRevenueSchema>;

const figuresView = ({ bookingsConfirmed, seatsSold, cancellations, seatsCancelled, revenue }: RevenueFigures) => ({
  bookingsConfirmed,
  seatsSold,
  cancellations,
  seatsCancelled,
  revenue: revenue.map(({ currency, capturedCents, refundedCents, netCents, refunds }) => ({
    currency,
    capturedCents,
    refundedCents,
    netCents,
    refunds,
  })),
});

export const toRouteRevenueView = (
  route: { origin: string; destination: string; from: string; to: string },
  days: readonly RouteDayRevenue[],
  totals: RevenueFigures,
): RouteRevenueView => ({
  ...route,
  days: days.map((day) => ({ date: day.date, flights: day.flights.length, ...figuresView(day.figures) })),
  totals: figuresView(totals),
});
