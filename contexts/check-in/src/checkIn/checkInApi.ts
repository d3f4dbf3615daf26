import { NotFoundError } from '@waggle/errors';
import { handleCommand } from '@waggle/event-store';
import { commandFromRequest, type ServiceDeps } from '@waggle/event-sourced-service';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { CheckInRecords } from './checkInRecords.ts';
import { boardingPassSchema, checkInViewSchema, readCheckInView } from './checkInView.ts';
import { flightCheckInDecider } from './flightCheckIn.ts';

const bookingParams = z.object({ bookingId: z.string().min(1).max(200) });
const name = z.string().trim().min(1).max(100);
const passengerBody = z.object({ firstName: name, lastName: name }).strict();

/** The check-in API: check a passenger in (HTTP → command → the flight's check-in stream), read a booking's check-in. */
export const checkInRoutes = (
  deps: Pick<ServiceDeps, 'store'>,
  records: CheckInRecords,
  options: { opensBeforeSeconds: number },
): Route[] => [
  defineRoute({
    method: 'post',
    path: '/api/v1/check-in/:bookingId/passengers',
    operationId: 'checkInPassenger',
    summary: 'Check a passenger of the booking in: a boarding pass with a seat (the same pass when asked again)',
    params: bookingParams,
    body: passengerBody,
    idempotent: true,
    responses: { 200: { description: 'The boarding pass', schema: boardingPassSchema } },
    handler: async (request) => {
      const { bookingId } = request.params;
      const booking = await records.booking(bookingId);
      if (booking === undefined) throw new NotFoundError(`booking ${bookingId} is not known to check-in`);
      const passengerName = `${request.body.firstName} ${request.body.lastName}`;
      const capacity = (await records.flight(booking.flightId)).capacity ?? null;
      const metadata = commandFromRequest(request, `checkInPassenger:${bookingId}`);
      const result = await handleCommand(deps.store, flightCheckInDecider, {
        streamId: booking.flightId,
        command: { type: 'CheckInPassenger', flightId: booking.flightId, bookingId, passengerName, capacity, now: metadata.occurredAt },
        metadata,
      });
      const seat = result.state.bookings[bookingId]?.seats[passengerName];
      if (seat === undefined) throw new NotFoundError(`${passengerName} of booking ${bookingId} has no seat`);
      return { status: 200, body: { bookingId, flightId: booking.flightId, passengerName, seat, gate: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/check-in/:bookingId',
    operationId: 'getCheckIn',
    summary: "A booking's check-in: when it opens and closes, its passengers and their seats",
    params: bookingParams,
    responses: { 200: { description: 'The check-in', schema: checkInViewSchema } },
    handler: async ({ params }) => {
      const view = await readCheckInView(deps.store, records, params.bookingId, options.opensBeforeSeconds);
      if (view === undefined) throw new NotFoundError(`booking ${params.bookingId} has no check-in (not confirmed, or not known here)`);
      return { status: 200, body: view };
    },
  }),
];
