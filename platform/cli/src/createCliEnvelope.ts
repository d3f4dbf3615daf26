import { randomUUID } from 'node:crypto';
import { toEventHeaders } from '@waggle/kafka-bus';
import { childTraceparent } from '@waggle/observability';

/** Where events produced by hand say they come from (CloudEvents `source`). */
export const cliSource = '/waggle/cli';

/** Kafka headers for one event of this CLI run. */
export type CliEnvelope = (event: { readonly key: string; readonly fullName: string }) => Record<string, string>;

/**
 * The services' envelope (CloudEvents binary mode, correlation and causation ids, W3C traceparent) for events typed
 * in by a person. The run is the command that caused them: its id is the causation id and, unless given, the
 * correlation id; all its events share one trace. There is no `ce_streamversion`: these events were never appended
 * to a stream.
 */
export const createCliEnvelope = (options: { correlationId?: string; now?: () => Date } = {}): CliEnvelope => {
  const runId = randomUUID();
  const correlationId = options.correlationId ?? runId;
  const trace = childTraceparent();
  const now = options.now ?? (() => new Date());
  return ({ key, fullName }) =>
    toEventHeaders({
      id: randomUUID(),
      type: fullName,
      source: cliSource,
      time: now().toISOString(),
      subject: key,
      correlationId,
      causationId: runId,
      traceparent: childTraceparent(trace),
    });
};
