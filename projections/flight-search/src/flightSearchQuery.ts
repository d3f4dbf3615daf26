import { z } from 'zod';
import { flightFields, type FlightField } from './flightView.ts';
import { flightSortFields, type FlightSortKey } from './mongoFlightSearchStore.ts';

const sortKeys = ['departure', 'fare'] as const satisfies readonly FlightSortKey[];

/** What decides which flights a search finds, and in which order. */
export type FlightSearchTerms = {
  readonly sort: FlightSortKey;
  readonly origin: string | null;
  readonly destination: string | null;
  readonly date: string | null;
};

const termNames = ['origin', 'destination', 'date', 'sort'] as const;

/**
 * Where a page ends: the sort field values and id of its last flight, and the search it belongs to (a position
 * is only meaningful in the order and among the flights of that search; anywhere else it skips flights).
 */
export type FlightCursor = {
  readonly search: FlightSearchTerms;
  readonly after: readonly (string | number)[];
  readonly flightId: string;
};

const cursorSchema = z.object({
  search: z.object({
    sort: z.enum(sortKeys),
    origin: z.string().nullable(),
    destination: z.string().nullable(),
    date: z.string().nullable(),
  }),
  after: z.array(z.union([z.string(), z.number()])),
  flightId: z.string(),
});

/** Opaque to clients, so the sort key and its encoding may change without breaking them. */
export const encodeCursor = (cursor: FlightCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

const notACursor = 'not a cursor this API returned';

const cursorParam = z.string().transform((text, ctx): FlightCursor => {
  try {
    const cursor = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (cursor.after.length === flightSortFields[cursor.search.sort].length) return cursor;
  } catch {
    // reported below, as is a cursor of the right shape that cannot be a position
  }
  ctx.addIssue({ code: 'custom', message: notACursor });
  return z.NEVER;
});

export const fieldsParam = z
  .string()
  .transform((text, ctx): FlightField[] => {
    const names = text.split(',').map((name) => name.trim());
    const allowed = flightFields.join(', ');
    if (names.every((name) => name === '')) {
      ctx.addIssue({ code: 'custom', message: `fields must name at least one of: ${allowed}` });
      return z.NEVER;
    }
    const unknown = names.filter((name) => !(flightFields as readonly string[]).includes(name));
    if (unknown.length > 0) {
      const quoted = unknown.map((name) => JSON.stringify(name)).join(', ');
      ctx.addIssue({ code: 'custom', message: `unknown field(s) ${quoted}; allowed: ${allowed}` });
      return z.NEVER;
    }
    return names as FlightField[];
  })
  .describe(`Comma-separated fields to return (flightId always comes): ${flightFields.join(', ')}`);

const airport = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter IATA airport code')
  .transform((code) => code.toUpperCase());

const showTerms = (terms: FlightSearchTerms): string => termNames.map((name) => `${name}=${terms[name] ?? '(none)'}`).join('&');

/** The terms of a search as its cursor records them. */
export const searchTermsOf = (query: {
  readonly sort: FlightSortKey;
  readonly origin?: string | undefined;
  readonly destination?: string | undefined;
  readonly date?: string | undefined;
}): FlightSearchTerms => ({
  sort: query.sort,
  origin: query.origin ?? null,
  destination: query.destination ?? null,
  date: query.date ?? null,
});

export const flightSearchQuerySchema = z
  .strictObject({
    origin: airport.optional().describe('IATA code of the departure airport'),
    destination: airport.optional().describe('IATA code of the arrival airport'),
    date: z.iso.date().optional().describe('Local departure date, YYYY-MM-DD'),
    sort: z
      .enum(sortKeys)
      .default('departure')
      .describe(
        'Order of the results. departure: by departure time in UTC. fare: fares in different currencies do not ' +
          'compare, so flights are grouped by currency (ISO 4217 code, A to Z) and ordered by fare within each ' +
          'currency. Ties are broken by flight id.',
      ),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('Flights per page (1–100)'),
    cursor: cursorParam
      .optional()
      .describe('nextCursor of the previous page, with the same origin, destination, date and sort (400 otherwise)'),
    fields: fieldsParam.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.cursor === undefined) return;
    const asked = searchTermsOf(query);
    const made = query.cursor.search;
    const changed = termNames.filter((name) => made[name] !== asked[name]);
    if (changed.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cursor'],
        message:
          `the cursor belongs to the search ${showTerms(made)}, and this one differs in ${changed.join(', ')}; ` +
          'keep them as on the first page, or leave cursor out to start again',
      });
    }
  });
