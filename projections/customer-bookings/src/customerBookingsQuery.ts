import { z } from 'zod';
import type { BookingsPosition } from './mongoCustomerBookingsStore.ts';

/** Where a page ends, and whose list it is: a position in one customer's list skips bookings in another's. */
export type CustomerBookingsCursor = { readonly customerId: string; readonly position: BookingsPosition };

const cursorSchema = z.object({
  customerId: z.string(),
  position: z.object({ requestedAt: z.string(), bookingId: z.string() }),
});

/** Opaque to clients, so the order and its encoding may change without breaking them. */
export const encodeCursor = (cursor: CustomerBookingsCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

export const customerBookingsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Bookings per page (1–100)'),
  cursor: z
    .string()
    .transform((text, ctx): CustomerBookingsCursor => {
      try {
        return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
        return z.NEVER;
      }
    })
    .optional()
    .describe("nextCursor of the previous page of the same customer's bookings (400 for another customer's)"),
});
