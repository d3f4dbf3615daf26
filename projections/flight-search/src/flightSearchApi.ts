import { NotFoundError } from '@waggle/errors';
import { defineRoute } from '@waggle/http';
import { z } from 'zod';
import type { FlightAvailability } from './flightAvailability.ts';
import { encodeCursor, fieldsParam, flightSearchQuerySchema, searchTermsOf } from './flightSearchQuery.ts';
import { partialFlightSchema, toFlightView } from './flightView.ts';
import { flightSortFields, type FlightSearchStore, type FlightSortKey } from './mongoFlightSearchStore.ts';

const sortValues = (flight: FlightAvailability, sort: FlightSortKey): (string | number)[] =>
  flightSortFields[sort].map((field) => flight[field]);

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
 * The read-only REST API of flight-search. Each request takes the serving version's store once and reads only
 * from it, so a switch to a rebuilt version never mixes two versions in one answer.
 */
export const createFlightSearchRoutes = (serving: () => Promise<FlightSearchStore>) => [
  defineRoute({
    method: 'get',
    path: '/api/v1/flights',
    operationId: 'searchFlights',
    summary: 'Search flights with their seats left, one page at a time (sort=fare orders by fare within each currency)',
    query: flightSearchQuerySchema,
    responses: {
      200: {
        description: 'A page of flights; nextCursor is null on the last page',
        schema: z.object({ items: z.array(partialFlightSchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ query }) => {
      const { cursor, limit, sort, fields, origin, destination, date } = query;
      const store = await serving();
      // one more than asked tells whether another page follows
      const found = await store.searchFlights({
        origin,
        destination,
        date,
        sort,
        limit: limit + 1,
        ...(cursor === undefined ? {} : { after: { values: cursor.after, flightId: cursor.flightId } }),
      });
      const page = found.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        found.length > limit && last !== undefined
          ? encodeCursor({ search: searchTermsOf(query), after: sortValues(last, sort), flightId: last.flightId })
          : null;
      return { status: 200, body: { items: page.map((flight) => toFlightView(flight, fields)), nextCursor } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/flights/:flightId',
    operationId: 'getFlight',
    summary: 'One flight with its seats left',
    params: z.object({ flightId: z.string().min(1).max(100) }),
    query: z.strictObject({ fields: fieldsParam.optional() }),
    responses: { 200: { description: 'The flight', schema: partialFlightSchema } },
    handler: async ({ params, query }) => {
      const flight = await (await serving()).findFlight(params.flightId);
      if (flight === undefined) throw new NotFoundError(`flight ${params.flightId} is not known here`);
      return { status: 200, body: toFlightView(flight, query.fields) };
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
