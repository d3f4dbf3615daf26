/** Base of waggle's few error classes: `retriable` says whether trying again can succeed. */
export class WaggleError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable;
  }
}

/** Another writer appended to the stream first; reload and decide again. */
export class ConcurrencyError extends WaggleError {
  constructor(
    message: string,
    readonly streamId: string,
    readonly expectedVersion: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { retriable: true, ...options });
  }
}

/** Input that can never succeed as it is (an HTTP body, a CLI argument, an event that breaks its schema). */
export class ValidationError extends WaggleError {
  constructor(
    message: string,
    readonly details: readonly { readonly path: string; readonly message: string }[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(message, { retriable: false, ...options });
  }
}

/** Bytes that cannot be turned into an event (bad magic byte, unknown schema id, corrupt Avro). */
export class UndecodableError extends WaggleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** A command that breaks a business rule as stated (scheduling a flight twice, cancelling a cancelled booking). */
export class RuleViolationError extends WaggleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** An idempotency key sent again with a different request: not a retry, so it must not return the first outcome. */
export class IdempotencyKeyReusedError extends WaggleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** What was asked for does not exist (an unknown flight, booking or customer). */
export class NotFoundError extends WaggleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** A dependency is briefly unavailable (broker, registry, database); the same call may succeed later. */
export class TransientError extends WaggleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * A read model received a stream's event past a version it has not applied (an event is missing or still to come):
 * applying it would skip one, so it is retried, never applied past the gap.
 */
export class VersionGapError extends WaggleError {
  constructor(
    message: string,
    readonly streamId: string,
    readonly appliedVersion: number,
    readonly incomingVersion: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * Whether an error is worth retrying: a WaggleError says so itself; bugs (`TypeError`, `ReferenceError`,
 * `SyntaxError`, `RangeError`) never are; anything else is treated as transient.
 */
export const isRetriable = (error: unknown): boolean => {
  if (error instanceof WaggleError) return error.retriable;
  if (error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError)
    return false;
  if (typeof error === 'object' && error !== null && 'retriable' in error && typeof error.retriable === 'boolean') return error.retriable;
  return true;
};
