import {
  ConcurrencyError,
  IdempotencyKeyReusedError,
  NotFoundError,
  RuleViolationError,
  TransientError,
  ValidationError,
  WaggleError,
} from '@waggle/errors';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';

/** An RFC 9457 problem details body. */
export type ProblemDetails = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  /** Field-level reasons for a 400: `path` is a JSON pointer into the request body, query or path. */
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
};

const problemBase = 'https://waggle.dev/problems/';

/** The body schema of every error response, for the OpenAPI documents. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' });

/** Where in a request a zod issue points, as a JSON pointer such as `/body/passengers/0/lastName`. */
export const toPointer = (where: string, path: readonly PropertyKey[]): string => `/${[where, ...path.map(String)].join('/')}`;

/** A request that does not match its schema; carries the field paths. */
export class RequestValidationError extends ValidationError {}

const toProblem = (error: unknown): { problem: Omit<ProblemDetails, 'instance'>; headers?: Record<string, string> } => {
  if (error instanceof ValidationError) {
    return {
      problem: {
        type: `${problemBase}validation`,
        title: 'The request is invalid',
        status: 400,
        detail: error.message,
        errors: error.details,
      },
    };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return {
      problem: {
        type: `${problemBase}idempotency-key-reused`,
        title: 'This Idempotency-Key was used for another request',
        status: 422,
        detail: error.message,
      },
    };
  }
  if (error instanceof RuleViolationError) {
    return {
      problem: { type: `${problemBase}rule-violation`, title: 'The command breaks a business rule', status: 409, detail: error.message },
    };
  }
  if (error instanceof NotFoundError)
    return { problem: { type: `${problemBase}not-found`, title: 'Not found', status: 404, detail: error.message } };
  if (error instanceof ConcurrencyError) {
    return { problem: { type: `${problemBase}conflict`, title: 'Changed by someone else; try again', status: 409, detail: error.message } };
  }
  if (error instanceof TransientError) {
    return {
      problem: {
        type: `${problemBase}unavailable`,
        title: 'A dependency is briefly unavailable; try again',
        status: 503,
        detail: error.message,
      },
      headers: { 'Retry-After': '1' },
    };
  }
  const status = (error as { status?: unknown; type?: unknown }).status;
  const kind = (error as { type?: unknown }).type;
  // body-parser's own errors carry a status and a type
  if (kind === 'entity.parse.failed')
    return { problem: { type: `${problemBase}malformed-json`, title: 'The body is not valid JSON', status: 400 } };
  if (kind === 'entity.too.large') return { problem: { type: `${problemBase}too-large`, title: 'The body is too large', status: 413 } };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { problem: { type: `${problemBase}bad-request`, title: (error as Error).message || 'Bad request', status } };
  }
  if (error instanceof WaggleError && error.retriable) {
    return {
      problem: { type: `${problemBase}unavailable`, title: 'Try again', status: 503, detail: error.message },
      headers: { 'Retry-After': '1' },
    };
  }
  return { problem: { type: `${problemBase}internal`, title: 'Internal error', status: 500 } };
};

/**
 * The one error middleware: maps error classes to RFC 9457 problem details (`application/problem+json`); routes
 * have no try/catch. Server errors are logged with their stack and shown to the client without internals.
 */
export const problemDetailsMiddleware =
  (log: { error: (fields: Record<string, unknown>, message: string) => void }): ErrorRequestHandler =>
  (error: unknown, req, res, _next) => {
    const { problem, headers } = toProblem(error);
    if (problem.status >= 500) log.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    res
      .status(problem.status)
      .set({ 'Content-Type': 'application/problem+json', ...headers })
      .send(JSON.stringify({ ...problem, instance: req.originalUrl }));
  };
