import { randomBytes } from 'node:crypto';

const format = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The W3C `traceparent` for work caused by `incoming`: same trace id, a new span id. Without a valid incoming
 * header a new trace starts, sampled.
 */
export const childTraceparent = (incoming?: string): string => {
  const match = incoming === undefined ? null : format.exec(incoming);
  const traceId = match?.[1] !== undefined && match[1] !== '0'.repeat(32) ? match[1] : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${match?.[3] ?? '01'}`;
};

/** The trace id of a `traceparent`, for log lines. */
export const traceIdOf = (traceparent: string): string | undefined => format.exec(traceparent)?.[1];
