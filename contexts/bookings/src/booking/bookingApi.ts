import { NotFoundError } from '@waggle/errors';
import { handleCommand } from '@waggle/event-store';
import { commandFromRequest, newAggregateId, type ServiceDeps } from '@waggle/event-sourced-service';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import { bookingDecider } from './booking.ts';

const name = z.string().trim().min(1).max(60);
const requestBody = z
  .object({
    customerId: z.string().min(1).max(80),
    flightId: z.string().regex(/^[A-Z0-9]{2,3}\d{1,4}-\d{4}-\d{2}-\d{2}$/, 'must be <flight number>-<YYYY-MM-DD>'),
    passengers: z
      .array(z.object({ firstName: name, lastName: name }).strict())
      .min(1)
      .max(9),
    // the payments gateway's card token (the fake gateway: tok_visa, tok_mastercard, tok_amex pay; tok_decline and
    // tok_insufficient are declined); absent: the payments context's default, tok_visa
    paymentToken: z
      .string()
      .regex(/^tok_[a-z0-9_]{1,60}$/, 'must be a card token like tok_visa')
      .optional(),
  })
  .strict();
const bookingParams = z.object({ bookingId: z.string().min(1).max(80) });
const accepted = z.object({ bookingId: z.string(), streamId: z.string(), version: z.number().int(), duplicate: z.boolean() });

/** The bookings command API. The outcome of a request comes later, from the book-flight saga (seats, then payment). */
export const bookingRoutes = (deps: Pick<ServiceDeps, 'store'>): Route[] => [
  defineRoute({
    method: 'post',
    path: '/api/v1/bookings',
    operationId: 'requestBooking',
    summary:
      'Request a booking; the book-flight saga holds its seats, authorizes its payment and confirms it, or rejects it with the reason',
    body: requestBody,
    idempotent: true,
    responses: { 202: { description: 'Accepted: BookingRequested was appended', schema: accepted } },
    handler: async (request) => {
      const bookingId = newAggregateId('bkg', request.idempotencyKey);
      const result = await handleCommand(deps.store, bookingDecider, {
        streamId: bookingId,
        command: { type: 'RequestBooking', bookingId, ...request.body },
        metadata: commandFromRequest(request, 'requestBooking'),
      });
      return {
        status: 202,
        headers: { Location: `/api/v1/bookings/${bookingId}` },
        body: { bookingId, streamId: bookingId, version: result.version, duplicate: result.duplicate },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/bookings/:bookingId/cancel',
    operationId: 'cancelBooking',
    summary: 'Cancel a booking; the cancel-booking saga gives its seats back and refunds or voids its payment',
    params: bookingParams,
    // the body is optional: a bare POST cancels with the default reason
    body: z
      .object({ reason: z.string().min(1).max(200).default('cancelled by customer') })
      .strict()
      .prefault({}),
    idempotent: true,
    responses: { 202: { description: 'Accepted', schema: accepted } },
    handler: async (request) => {
      const { bookingId } = request.params;
      const result = await handleCommand(deps.store, bookingDecider, {
        streamId: bookingId,
        command: { type: 'CancelBooking', bookingId, reason: request.body.reason, byCustomer: true },
        metadata: commandFromRequest(request, `cancelBooking:${bookingId}`),
      });
      return { status: 202, body: { bookingId, streamId: bookingId, version: result.version, duplicate: result.duplicate } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/bookings/:bookingId',
    operationId: 'getBooking',
    summary: "A booking's decision state (the write side, for operators)",
    params: bookingParams,
    responses: { 200: { description: 'The booking' } },
    handler: async (request) => {
      const { bookingId } = request.params;
      const slice = await deps.store.readStream(bookingId);
      const state = slice.events.reduce((s, e) => bookingDecider.evolve(s, e as never), bookingDecider.initialState());
      if (state.status === 'none') throw new NotFoundError(`booking ${bookingId} does not exist`);
      return { status: 200, body: { bookingId, version: slice.version, ...state } };
    },
  }),
];
