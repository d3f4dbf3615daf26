import { z } from 'zod';
import { flightFields, type FlightField } from './flightView.ts';
import type { FlightSortKey } from './mongoFlightSearchStore.ts';

/** Where a page ends: the sort it belongs to, and the sort value and id of its last flight. */
export type FlightCursor = { readonly sort: FlightSortKey; readonly value: string | number; readonly flightId: string };

const cursorSchema = z.object({ sort: z.enum(['departure', 'fare']), value: z.union([z.string(), z.number()]), flightId: z.string() });

/** Opaque to clients, so the sort key and its encoding may change without breaking them. */
export const encodeCursor = (cursor: FlightCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

const cursorParam = z.string().transform((text, ctx): FlightCursor => {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
    return z.NEVER;
  }
});

export const fieldsParam = z
  .string()
  .transform((text, ctx): FlightField[] => {
    const names = text.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !(flightFields as readonly string[]).includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown field(s) ${unknown.join(', ')}; allowed: ${flightFields.join(', ')}` });
      return z.NEVER;
    }
    return names as FlightField[];
  })
  .describe(`Comma-separated fields to return (flightId always comes): ${flightFields.join(', ')}`);

const airport = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter IATA airport code')
  .transform((code) => code.toUpperCase());

export const flightSearchQuerySchema = z
  .strictObject({
    origin: airport.optional().describe('IATA code of the departure airport'),
    destination: airport.optional().describe('IATA code of the arrival airport'),
    date: z.iso.date().optional().describe('Local departure date, YYYY-MM-DD'),
    sort: z.enum(['departure', 'fare']).default('departure').describe('Order of the results; ties are broken by flight id'),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe('Flights per page (1–100)'),
    cursor: cursorParam.optional().describe('nextCursor of the previous page'),
    fields: fieldsParam.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.cursor !== undefined && query.cursor.sort !== query.sort) {
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: `the cursor belongs to sort=${query.cursor.sort}` });
    }
  });
