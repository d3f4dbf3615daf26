import type { EventMeta } from '@waggle/kafka-bus';
import { resolveValue } from '../engine/resolveParameters.ts';
import type { ScriptEvaluator } from '../engine/scriptEvaluator.ts';
import type { StartRequest } from '../api/startWorkflow.ts';
import type { EventHandler } from './eventHandler.ts';

/**
 * An event as handlers see it: the CloudEvents JSON form of the record (`specversion`, `id`, `source`, `type` = the
 * Avro record's full name, `subject`, `time`, `data` = the decoded record), plus where it was read. A condition
 * reads it as `$` (`$.type == 'waggle.bookings.BookingRequested'`), input mappings as `${data.bookingId}`.
 */
export type EventPayload = {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly correlationid: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
};

export const toEventPayload = (
  meta: EventMeta,
  data: Readonly<Record<string, unknown>>,
  at: { readonly topic: string; readonly partition: number; readonly offset: string },
): EventPayload => ({
  specversion: '1.0',
  id: meta.id,
  source: meta.source,
  type: meta.type,
  subject: meta.subject,
  time: meta.time,
  correlationid: meta.correlationId,
  data,
  ...at,
});

/** Conductor's ScriptEvaluator.toBoolean: a boolean is itself, a number is `> 0`, anything else is false. */
const toBoolean = (value: unknown): boolean => (typeof value === 'boolean' ? value : typeof value === 'number' ? value > 0 : false);

/** What a handler makes of an event: the workflows to start, or why it did nothing. */
export type HandlerDecision =
  { readonly matched: true; readonly starts: readonly StartRequest[] } | { readonly matched: false; readonly reason: string };

const asText = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * Conductor's event handling for one handler and one event: an inactive handler or a false condition does nothing
 * (a condition that throws counts as false, as Conductor logs and skips it); otherwise each `start_workflow` action's
 * `input`, `correlationId` and `idempotencyKey` are resolved against the payload (`${data.x}`), and the input gets
 * Conductor's `conductor.event.messageId` and `conductor.event.name`. Without an idempotency key an action is keyed
 * by the event id (RETURN_EXISTING), so a redelivered event starts one execution, never two.
 */
export const decideEventActions = (handler: EventHandler, payload: EventPayload, scripts: ScriptEvaluator): HandlerDecision => {
  if (handler.active === false) return { matched: false, reason: 'inactive' };
  const condition = handler.condition?.trim() ?? '';
  if (condition !== '') {
    const evaluated = scripts.evaluateJavaScript(condition, payload);
    if (!evaluated.ok) return { matched: false, reason: `condition failed: ${evaluated.error}` };
    if (!toBoolean(evaluated.value)) return { matched: false, reason: 'condition is false' };
  }
  const context = payload as unknown as Record<string, unknown>;
  const starts = handler.actions.flatMap((action): StartRequest[] => {
    const start = action.start_workflow;
    if (action.action !== 'start_workflow' || start === undefined) return [];
    const input = (resolveValue(start.input ?? {}, context) ?? {}) as Record<string, unknown>;
    const correlationId = asText(start.correlationId === undefined ? undefined : resolveValue(start.correlationId, context));
    const key = asText(start.idempotencyKey === undefined ? undefined : resolveValue(start.idempotencyKey, context));
    return [
      {
        name: start.name,
        ...(start.version === undefined ? {} : { version: start.version }),
        ...(correlationId === undefined ? {} : { correlationId }),
        input: { ...input, 'conductor.event.messageId': payload.id, 'conductor.event.name': handler.event },
        idempotencyKey: key ?? `event:${handler.name}:${payload.id}`,
        idempotencyStrategy: key === undefined ? 'RETURN_EXISTING' : (start.idempotencyStrategy ?? 'RETURN_EXISTING'),
      },
    ];
  });
  return { matched: true, starts };
};
