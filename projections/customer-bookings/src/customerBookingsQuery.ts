import { z } from 'zod';
import type { BookingsPosition } from './mongoCustomerBookingsStore.ts';

const positionSchema = z.object({ requestedAt: z.string(), bookingId: z.string() });

/** Opaque to clients, so the order and its encoding may change without breaking them. */
export const encodeCursor = (position: BookingsPosition): string => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

export const customerBookingsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Bookings per page (1–100)'),
  cursor: z
    .string()
    .transform((text, ctx): BookingsPosition => {
      try {
        return positionSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
        return z.NEVER;
      }
    })
    .optional()
    .describe('nextCursor of the previous page'),
});
