import express, { type Express } from 'express';

type Problem = { status?: number; title?: string; detail?: string; errors?: readonly { path: string; message: string }[] };

/**
 * Conductor's wire habits around the waggle app: a bare string body goes out as `text/plain` (start, rerun and task
 * updates answer a bare id), and every problem details body also carries Conductor's ErrorResponse fields (`status`,
 * `message`, `retryable`, `validationErrors`), so Conductor's SDKs read waggle's errors as their own.
 */
export const toConductorApp = (inner: Express): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => (typeof body === 'string' ? res.type('text/plain').send(body) : json(body));
    const send = res.send.bind(res);
    res.send = (body: unknown) => {
      if (typeof body === 'string' && String(res.get('Content-Type') ?? '').startsWith('application/problem+json')) {
        const problem = JSON.parse(body) as Problem;
        const conductor = {
          message: problem.detail ?? problem.title,
          retryable: (problem.status ?? 500) === 503,
          ...(problem.errors === undefined ? {} : { validationErrors: problem.errors }),
        };
        return send(JSON.stringify({ ...problem, ...conductor }));
      }
      return send(body);
    };
    next();
  });
  app.use(inner);
  return app;
};
