import { defineRoute } from '@waggle/http';
import { z } from 'zod';
import type { RouteRevenueStore } from './mongoRouteRevenueStore.ts';
import { sumFigures } from './revenueFigures.ts';
import { routeDayId } from './routeDayRevenue.ts';
import { daysBetween, routeParamsSchema, routeRevenueQuerySchema } from './routeRevenueQuery.ts';
import { routeRevenueSchema, toRouteRevenueView } from './routeRevenueView.ts';

const offsetsSchema = z
  .object({
    offsets: z.array(
      z.object({
        topic: z.string(),
        partition: z.number().int(),
        offset: z.number().int().describe('The last offset of the partition whose record the read model reflects'),
      }),
    ),
  })
  .meta({ id: 'ReflectedOffsets' });

/**
 * The read-only REST API of route-revenue-daily. Each request takes the serving version's store once and reads
 * only from it, so a switch to a rebuilt version never mixes two versions in one answer.
 */
export const createRouteRevenueRoutes = (serving: () => Promise<RouteRevenueStore>) => [
  defineRoute({
    method: 'get',
    path: '/api/v1/routes/:origin-:destination/revenue',
    operationId: 'getRouteRevenue',
    summary: 'What a route sold per day of departure: bookings, seats, cancellations, revenue captured and refunded by currency',
    params: routeParamsSchema,
    query: routeRevenueQuerySchema,
    responses: { 200: { description: 'The days of the range that have flights of the route, and their sum', schema: routeRevenueSchema } },
    handler: async ({ params, query }) => {
      const { origin, destination } = params;
      // one `_id $in` read of the range's days
      const days = await (
        await serving()
      ).loadRouteDays(daysBetween(query.from, query.to).map((date) => routeDayId(origin, destination, date)));
      const totals = sumFigures(days.map((day) => day.figures));
      return { status: 200, body: toRouteRevenueView({ origin, destination, from: query.from, to: query.to }, days, totals) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/offsets',
    operationId: 'getReflectedOffsets',
    summary: 'The Kafka offsets this read model reflects, per topic partition',
    responses: { 200: { description: 'Offsets', schema: offsetsSchema } },
    handler: async () => ({ status: 200, body: { offsets: await (await serving()).offsets() } }),
  }),
];
