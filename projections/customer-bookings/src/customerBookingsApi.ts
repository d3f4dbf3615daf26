import { NotFoundError, ValidationError } from '@waggle/errors';
import { defineRoute } from '@waggle/http';
import { z } from 'zod';
import type { CustomerBooking } from './customerBooking.ts';
import { customerBookingSchema, toCustomerBookingView, type CustomerBookingView } from './customerBookingView.ts';
import { customerBookingsQuerySchema, encodeCursor } from './customerBookingsQuery.ts';
import type { CustomerBookingsStore } from './mongoCustomerBookingsStore.ts';

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

const idParam = z.string().min(1).max(200);

/**
 * The read-only REST API of customer-bookings. Each request takes the serving version's store once and reads
 * only from it, so a switch to a rebuilt version never mixes two versions in one answer.
 */
export const createCustomerBookingsRoutes = (serving: () => Promise<CustomerBookingsStore>) => {
  // the join: one `_id $in` read each of the page's distinct flights, their check-ins, and the page's payments
  const withFlights = async (store: CustomerBookingsStore, bookings: readonly CustomerBooking[]): Promise<CustomerBookingView[]> => {
    const flightIds = [...new Set(bookings.map((booking) => booking.flightId))];
    const [flights, checkIns, payments] = await Promise.all([
      store.loadFlights(flightIds),
      store.loadCheckIns(flightIds),
      store.loadPayments(bookings.map((booking) => booking.bookingId)),
    ]);
    return bookings.map((booking) =>
      toCustomerBookingView(booking, {
        flight: flights.get(booking.flightId),
        payment: payments.get(booking.bookingId),
        checkIns: checkIns.get(booking.flightId),
      }),
    );
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/customers/:customerId/bookings',
      operationId: 'listCustomerBookings',
      summary: "A customer's bookings with their flights, payments and check-ins, newest request first, one page at a time",
      params: z.object({ customerId: idParam }),
      query: customerBookingsQuerySchema,
      responses: {
        200: {
          description: 'A page of bookings (empty for a customer without any); nextCursor is null on the last page',
          schema: z.object({ items: z.array(customerBookingSchema), nextCursor: z.string().nullable() }),
        },
      },
      handler: async ({ params, query }) => {
        const store = await serving();
        const { cursor } = query;
        if (cursor !== undefined && cursor.customerId !== params.customerId) {
          const message = "the cursor belongs to another customer's bookings; leave cursor out to start at this customer's first page";
          throw new ValidationError(`invalid query: /query/cursor ${message}`, [{ path: '/query/cursor', message }]);
        }
        // one more than asked tells whether another page follows
        const found = await store.customerBookings(params.customerId, {
          limit: query.limit + 1,
          ...(cursor === undefined ? {} : { after: cursor.position }),
        });
        const page = found.slice(0, query.limit);
        const last = page.at(-1);
        const nextCursor =
          found.length > query.limit && last !== undefined && last.requestedAt !== null
            ? encodeCursor({ customerId: params.customerId, position: { requestedAt: last.requestedAt, bookingId: last.bookingId } })
            : null;
        return { status: 200, body: { items: await withFlights(store, page), nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/bookings/:bookingId',
      operationId: 'getBooking',
      summary: 'One booking with its flight, payment and check-in',
      params: z.object({ bookingId: idParam }),
      responses: { 200: { description: 'The booking', schema: customerBookingSchema } },
      handler: async ({ params }) => {
        const store = await serving();
        const booking = await store.findBooking(params.bookingId);
        if (booking === undefined) throw new NotFoundError(`booking ${params.bookingId} is not known here`);
        const [view] = await withFlights(store, [booking]);
        return { status: 200, body: view };
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
};
