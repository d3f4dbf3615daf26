import { createHash, randomUUID } from 'node:crypto';
import type { CommandMetadata } from '@waggle/event-store';
import type { RouteRequest } from '@waggle/http';
import { childTraceparent } from '@waggle/observability';
import type { IncomingEvent } from './incomingEvent.ts';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * Metadata of a command sent over HTTP. With an `Idempotency-Key` the command id is derived from it (per
 * service and operation), so a repeated request is the same command and takes effect once; the request's
 * fingerprint tells a retry from the key reused for another request (422).
 */
export const commandFromRequest = (
  request: RouteRequest<unknown, unknown, unknown>,
  operation: string,
  now: Date = new Date(),
): CommandMetadata => {
  const correlation = request.headers['x-correlation-id'];
  return {
    commandId: request.idempotencyKey === undefined ? randomUUID() : `${operation}:${digest(request.idempotencyKey)}`,
    correlationId: typeof correlation === 'string' && correlation.length > 0 && correlation.length <= 128 ? correlation : randomUUID(),
    causationId: request.requestId,
    occurredAt: now.toISOString(),
    traceparent: request.traceparent,
    ...(request.idempotencyKey === undefined
      ? {}
      : { fingerprint: digest(JSON.stringify({ body: request.body, params: request.params })) }),
  };
};

/**
 * Metadata of a command a reaction sends for an event: its id is derived from the event id, so a redelivered
 * event is the same command; the correlation id carries on and the event is the cause.
 */
export const commandFromEvent = (event: IncomingEvent, reaction: string, now: Date = new Date()): CommandMetadata => ({
  commandId: `${reaction}:${event.meta.id}`,
  correlationId: event.meta.correlationId,
  causationId: event.meta.id,
  occurredAt: now.toISOString(),
  traceparent: childTraceparent(event.meta.traceparent),
});

/** A stable id derived from a client's idempotency key, or a fresh one: the same key names the same new aggregate. */
export const newAggregateId = (prefix: string, idempotencyKey?: string): string =>
  `${prefix}-${idempotencyKey === undefined ? randomUUID() : digest(`${prefix}:${idempotencyKey}`).slice(0, 20)}`;
