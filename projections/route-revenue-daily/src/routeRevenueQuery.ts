import { z } from 'zod';

/** The longest range one request may ask for: a year, leap day included. */
export const maxDays = 366;

const airport = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter IATA airport code')
  .transform((code) => code.toUpperCase());

export const routeParamsSchema = z.object({
  origin: airport.describe('IATA code of the departure airport'),
  destination: airport.describe('IATA code of the arrival airport'),
});

const dayMs = 86_400_000;

/** The days from `from` to `to`, both included, as YYYY-MM-DD. */
export const daysBetween = (from: string, to: string): string[] => {
  const start = Date.parse(`${from}T00:00:00Z`);
  const count = Math.round((Date.parse(`${to}T00:00:00Z`) - start) / dayMs) + 1;
  return Array.from({ length: Math.max(0, count) }, (_, i) => new Date(start + i * dayMs).toISOString().slice(0, 10));
};

export const routeRevenueQuerySchema = z
  .strictObject({
    from: z.iso.date().describe('First departure date of the range, YYYY-MM-DD (the flights’ local date)'),
    to: z.iso.date().describe(`Last departure date of the range, YYYY-MM-DD, included; at most ${maxDays} days after from`),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `to (${query.to}) is before from (${query.from})` });
      return;
    }
    const days = daysBetween(query.from, query.to).length;
    if (days > maxDays)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range spans ${days} days; at most ${maxDays} may be asked at once` });
  });
