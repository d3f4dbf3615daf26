import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';

/** What a route handler gets: the validated body, query and path parameters. */
export type RouteRequest<Body, Query, Params> = {
  readonly body: Body;
  readonly query: Query;
  readonly params: Params;
  readonly headers: IncomingHttpHeaders;
  /** The `Idempotency-Key` header, when sent. */
  readonly idempotencyKey?: string;
  /** W3C trace context for the work this request causes. */
  readonly traceparent: string;
  readonly requestId: string;
  /** The peer's address (no proxy is trusted: behind one, this is the proxy). */
  readonly clientAddress?: string;
};

export type RouteResponse = { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> };

/** One HTTP operation: schemas validate the request and document it in OpenAPI; the handler maps it to work. */
export type Route<Body = unknown, Query = unknown, Params = unknown> = {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path, e.g. `/api/v1/flights/:flightId`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly body?: z.ZodType<Body>;
  readonly query?: z.ZodType<Query>;
  readonly params?: z.ZodType<Params>;
  /** Request headers the route reads (documented as header parameters; the handler finds them in `headers`). */
  readonly headers?: readonly { readonly name: string; readonly description: string }[];
  /** Whether the route honours `Idempotency-Key` (documented as a header parameter). */
  readonly idempotent?: boolean;
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodType }>>;
  // a method signature on purpose: checked bivariantly, so a typed route is also a `Route` of unknowns
  handler(request: RouteRequest<Body, Query, Params>): Promise<RouteResponse>;
};

/** Declares a route with its types inferred from its schemas. */
export const defineRoute = <Body = unknown, Query = unknown, Params = unknown>(
  route: Route<Body, Query, Params>,
): Route<Body, Query, Params> => route;
