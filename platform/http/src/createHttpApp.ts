import { randomUUID } from 'node:crypto';
import { childTraceparent, type Logger } from '@waggle/observability';
import cors from 'cors';
import express, { type Express, type Request } from 'express';
import type { z } from 'zod';
import type { Route } from './defineRoute.ts';
import { openApiDocument } from './openApiDocument.ts';
import { problemDetailsMiddleware, RequestValidationError, toPointer } from './problemDetails.ts';

export type HttpAppOptions = {
  readonly logger: Logger;
  readonly info: { title: string; version: string; description?: string };
  readonly routes: readonly Route[];
  /** Resolves when the service can do its work (database, broker); `/health/ready` answers 503 otherwise. */
  readonly ready: () => Promise<void>;
  /** Browser origins allowed to call the API (CORS); none by default. */
  readonly corsOrigins?: readonly string[];
  /** Largest accepted JSON body (default 64 kB). */
  readonly bodyLimit?: string;
};

const validate = <T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T => {
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: toPointer(where, issue.path), message: issue.message }));
  throw new RequestValidationError(`invalid ${where}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
};

const idempotencyKeyOf = (req: Request): string | undefined => {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new RequestValidationError('invalid Idempotency-Key header', [
      { path: '/headers/idempotency-key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  }
  return key;
};

/**
 * An Express app with what every waggle API has: JSON bodies with a size limit, validated requests, problem
 * details for every error, `/health/live`, `/health/ready`, `/openapi.json`, CORS for the listed origins and one
 * log line per request.
 */
export const createHttpApp = (options: HttpAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(cors({ origin: [...(options.corsOrigins ?? [])], exposedHeaders: ['Location'] }));
  app.use(express.json({ limit: options.bodyLimit ?? '64kb', strict: true }));
  app.use((req, res, next) => {
    const began = performance.now();
    res.on('finish', () =>
      options.logger.info(
        { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - began) },
        'request',
      ),
    );
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', async (_req, res) => {
    await options.ready();
    res.json({ status: 'ready' });
  });
  const document = openApiDocument(options.info, options.routes);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  for (const route of options.routes) {
    app[route.method](route.path, async (req, res) => {
      // an empty body (none, or Content-Length: 0 as fetch sends) is left to the route's schema: it may be optional
      const empty = req.is('application/json') === null || req.get('content-length') === '0';
      if (route.body && !empty && !req.is('application/json')) {
        throw new RequestValidationError('the body must be JSON (Content-Type: application/json)', [
          { path: '/headers/content-type', message: 'must be application/json' },
        ]);
      }
      const result = await route.handler({
        body: validate(route.body, req.body, 'body'),
        query: validate(route.query, req.query, 'query'),
        params: validate(route.params, req.params, 'path'),
        headers: req.headers,
        ...(route.idempotent ? { idempotencyKey: idempotencyKeyOf(req) } : {}),
        traceparent: childTraceparent(req.get('traceparent')),
        requestId: req.get('X-Request-Id') ?? randomUUID(),
        ...(req.socket.remoteAddress === undefined ? {} : { clientAddress: req.socket.remoteAddress }),
      });
      res.status(result.status).set(result.headers ?? {});
      if (result.body === undefined) res.end();
      else res.json(result.body);
    });
  }

  app.use((req, _res, next) => {
    next(Object.assign(new Error(`no route ${req.method} ${req.path}`), { status: 404 }));
  });
  app.use(problemDetailsMiddleware(options.logger));
  return app;
};
