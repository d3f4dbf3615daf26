import type { EventStore } from '@waggle/event-store';
import type { Logger } from '@waggle/observability';
import express, { type Express } from 'express';
import type { ExecutionIndex } from '../service/executionIndex.ts';
import { createExecutionFeed } from '../sse/executionFeed.ts';
import { buildDashboard } from './buildDashboard.ts';

export type DashboardOptions = {
  readonly index: ExecutionIndex;
  readonly store: EventStore;
  readonly logger: Logger;
};

export type Dashboard = {
  /** The app to serve: the dashboard's files at `/ui` and its event streams, then `api` for everything else. */
  readonly mount: (api: Express) => Express;
  /** Ends the open event streams (before the HTTP server stops, which would otherwise wait for them). */
  readonly stop: () => void;
};

const unbuilt = (error: unknown): string =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>waggle · saga dashboard</title>` +
  `<h1>The saga dashboard could not be built</h1><pre>${String(error instanceof Error ? error.message : error).replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</pre>` +
  `<p>Fix saga-coordinator/ui and restart the coordinator. The REST API works: <a href="/openapi.json">/openapi.json</a>.</p></html>`;

/**
 * The saga dashboard at `/ui`: a Preact app that talks to Conductor's REST API, plus server-sent events for live
 * updates. Built from saga-coordinator/ui in the background when its sources changed (so a coordinator starts as
 * fast as before and never serves stale files); a page asked for before the build is done waits for it.
 */
export const startDashboard = (options: DashboardOptions): Dashboard => {
  const built = buildDashboard().then(
    (dir) => ({ dir, serve: express.static(dir, { index: false, maxAge: 0, fallthrough: true }) }),
    (error: unknown) => {
      options.logger.error({ err: error }, 'building the saga dashboard failed');
      return { error };
    },
  );
  const feed = createExecutionFeed({ index: options.index, store: options.store, logger: options.logger });

  const files = express.Router({ strict: true });
  files.get('/', (_req, res) => res.redirect(302, '/ui/'));
  files.get('/ui', (req, res) => res.redirect(301, `/ui/${req.url.slice(req.path.length)}`));
  files.use('/ui', async (req, res, next) => {
    const build = await built;
    if ('error' in build) {
      res.status(503).type('html').send(unbuilt(build.error));
      return;
    }
    // names carry no hash, so the browser asks again each time (a 304 when unchanged)
    build.serve(req, res, () => {
      // every other page of the dashboard is the same document: the client routes it
      if (req.method !== 'GET' && req.method !== 'HEAD') next();
      else res.set('Cache-Control', 'no-cache').sendFile('index.html', { root: build.dir });
    });
  });

  return {
    mount: (api) => {
      const app = express();
      app.disable('x-powered-by');
      app.use(feed.router, files, api);
      return app;
    },
    stop: () => feed.stop(),
  };
};
