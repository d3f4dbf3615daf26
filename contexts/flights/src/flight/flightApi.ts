import { NotFoundError } from '@waggle/errors';
import { handleCommand } from '@waggle/event-store';
import { commandFromRequest, newAggregateId, type ServiceDeps } from '@waggle/event-sourced-service';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import { flightDecider, flightIdOf } from './flight.ts';
import { flightViewSchema, readFlightView } from './flightView.ts';

const iata = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA airport code');
const flightIdParams = z.object({
  flightId: z.string().regex(/^[A-Z0-9]{2,3}\d{1,4}-\d{4}-\d{2}-\d{2}$/, 'must be <flight number>-<YYYY-MM-DD>'),
});
const accepted = z.object({ streamId: z.string(), version: z.number().int(), duplicate: z.boolean() });
const acceptedResponse = { 202: { description: 'Accepted: the command was appended to the flight stream', schema: accepted } };

const scheduleBody = z
  .object({
    flightNumber: z.string().regex(/^[A-Z0-9]{2}\d{1,4}$/, 'must be an IATA flight number such as LH400'),
    date: z.iso.date(),
    origin: iata,
    destination: iata,
    departureTime: z.iso.datetime({ offset: true }),
    capacity: z.number().int().min(1).max(1000),
    fareCents: z.number().int().min(0).max(10_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  })
  .strict()
  .refine((b) => b.origin !== b.destination, { message: 'must differ from origin', path: ['destination'] });

const holdBody = z
  .object({
    seats: z.number().int().min(1).max(9),
    bookingId: z.string().min(1).max(80).optional(),
    ttlSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

/** The flights command API: HTTP → command → flight stream. */
export const flightRoutes = (deps: Pick<ServiceDeps, 'store'>, options: { holdTtlSeconds: number }): Route[] => {
  const run = async (
    streamId: string,
    command: Parameters<typeof flightDecider.decide>[0],
    metadata: ReturnType<typeof commandFromRequest>,
  ) => {
    const result = await handleCommand(deps.store, flightDecider, { streamId, command, metadata });
    return result;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/flights',
      operationId: 'scheduleFlight',
      summary: 'Schedule a flight and put its seats on sale',
      body: scheduleBody,
      idempotent: true,
      responses: acceptedResponse,
      handler: async (request) => {
        const flightId = flightIdOf(request.body.flightNumber, request.body.date);
        const result = await run(
          flightId,
          { type: 'ScheduleFlight', flightId, ...request.body },
          commandFromRequest(request, 'scheduleFlight'),
        );
        return {
          status: 202,
          headers: { Location: `/api/v1/flights/${flightId}` },
          body: { streamId: flightId, version: result.version, duplicate: result.duplicate },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/flights/:flightId/holds',
      operationId: 'holdSeats',
      summary: 'Hold seats on a flight; the hold expires unless confirmed',
      params: flightIdParams,
      body: holdBody,
      idempotent: true,
      responses: { 202: { description: 'Accepted', schema: accepted.extend({ holdId: z.string() }) } },
      handler: async (request) => {
        const { flightId } = request.params;
        const metadata = commandFromRequest(request, `holdSeats:${flightId}`);
        const holdId = newAggregateId('hold', request.idempotencyKey === undefined ? undefined : `${flightId}:${request.idempotencyKey}`);
        const expiresAt = new Date(
          Date.parse(metadata.occurredAt) + (request.body.ttlSeconds ?? options.holdTtlSeconds) * 1000,
        ).toISOString();
        const bookingId = request.body.bookingId ?? `direct-${holdId}`;
        const result = await run(
          flightId,
          { type: 'HoldSeats', flightId, bookingId, holdId, seats: request.body.seats, expiresAt },
          metadata,
        );
        return { status: 202, body: { streamId: flightId, version: result.version, duplicate: result.duplicate, holdId } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/flights/:flightId/holds/:holdId/confirm',
      operationId: 'confirmHold',
      summary: 'Confirm a seat hold',
      params: flightIdParams.extend({ holdId: z.string().min(1).max(80) }),
      idempotent: true,
      responses: acceptedResponse,
      handler: async (request) => {
        const { flightId, holdId } = request.params;
        const result = await run(
          flightId,
          { type: 'ConfirmHold', flightId, holdId },
          commandFromRequest(request, `confirmHold:${flightId}`),
        );
        return { status: 202, body: { streamId: flightId, version: result.version, duplicate: result.duplicate } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/flights/:flightId/holds/:holdId/release',
      operationId: 'releaseHold',
      summary: 'Give a seat hold back',
      params: flightIdParams.extend({ holdId: z.string().min(1).max(80) }),
      body: z.object({ reason: z.string().min(1).max(200).default('released on request') }).strict(),
      idempotent: true,
      responses: acceptedResponse,
      handler: async (request) => {
        const { flightId, holdId } = request.params;
        const command = { type: 'ReleaseHold' as const, flightId, holdId, reason: request.body.reason };
        const result = await run(flightId, command, commandFromRequest(request, `releaseHold:${flightId}`));
        return { status: 202, body: { streamId: flightId, version: result.version, duplicate: result.duplicate } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/flights/:flightId/cancel',
      operationId: 'cancelFlight',
      summary: 'Cancel a flight',
      params: flightIdParams,
      body: z.object({ reason: z.string().min(1).max(200) }).strict(),
      idempotent: true,
      responses: acceptedResponse,
      handler: async (request) => {
        const { flightId } = request.params;
        const result = await run(
          flightId,
          { type: 'CancelFlight', flightId, reason: request.body.reason },
          commandFromRequest(request, `cancelFlight:${flightId}`),
        );
        return { status: 202, body: { streamId: flightId, version: result.version, duplicate: result.duplicate } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/flights/:flightId',
      operationId: 'getFlight',
      summary: 'A flight on the write side, for operators: seats left and sold, and its open holds',
      params: flightIdParams,
      responses: { 200: { description: 'The flight', schema: flightViewSchema } },
      handler: async (request) => {
        const { flightId } = request.params;
        const view = await readFlightView(deps.store, flightId);
        if (view === undefined) throw new NotFoundError(`flight ${flightId} is not scheduled`);
        return { status: 200, body: view };
      },
    }),
  ];
};
