import type { EventStore } from '@waggle/event-store';
import type { Logger } from '@waggle/observability';
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { ExecutionIndex, ExecutionSummary } from '../service/executionIndex.ts';

export type ExecutionFeedOptions = {
  readonly index: ExecutionIndex;
  readonly store: EventStore;
  readonly logger: Logger;
  /** How often the index (list) and an execution's stream (detail) are looked at while someone listens. */
  readonly pollMs?: number;
};

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A summary as the list shows it (Conductor's WorkflowSummary fields the dashboard reads). */
const toFeedSummary = (summary: ExecutionSummary) => ({
  workflowId: summary.workflowId,
  workflowType: summary.workflowType,
  version: summary.version,
  status: summary.status,
  startTime: iso(summary.startTime),
  updateTime: iso(summary.updateTime),
  endTime: iso(summary.endTime),
  executionTime: summary.endTime === undefined ? undefined : summary.endTime - summary.startTime,
  correlationId: summary.correlationId,
  reasonForIncompletion: summary.reasonForIncompletion,
  failedReferenceTaskNames: summary.failedReferenceTaskNames,
  compensationStatus: summary.compensationStatus,
  parentWorkflowId: summary.parentWorkflowId ?? '',
});

const openStream = (req: Request, res: Response): void => {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  // reconnect after 2 s when the connection drops; a comment line keeps proxies from closing an idle stream
  res.write('retry: 2000\n\n');
  req.socket.setKeepAlive(true);
};

const send = (res: Response, event: string, data: unknown, id?: string): void => {
  res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
};

/**
 * Server-sent events for the dashboard (a waggle extension to Conductor's API):
 * - `GET /api/waggle/stream/executions`: an `execution` event with the summary of every execution whose status
 *   changed (started, paused, ended, …) since the client connected (or since `Last-Event-ID`, epoch ms), read from
 *   the search index every `pollMs` by one poller for all listeners.
 * - `GET /api/waggle/stream/workflow/:workflowId`: a `changed` event with the stream version each time the execution's
 *   history grows (a task scheduled, a result applied): the client reads `GET /api/workflow/{id}` again.
 * A `ping` every 15 s keeps idle connections open.
 */
export const createExecutionFeed = (options: ExecutionFeedOptions) => {
  const pollMs = options.pollMs ?? 500;
  const listeners = new Set<{ res: Response; since: number; seen: Map<string, string> }>();
  const open = new Set<Response>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const pollIndex = async (): Promise<void> => {
    if (polling || listeners.size === 0) return;
    polling = true;
    try {
      const since = Math.min(...[...listeners].map((l) => l.since));
      const found = await options.index.search({ filter: { updateTime: { $gte: since } }, sort: [['updateTime', 1]], start: 0, size: 500 });
      for (const listener of listeners) {
        for (const summary of found.results) {
          if (summary.updateTime < listener.since) continue;
          const mark = `${summary.status}:${summary.updateTime}:${summary.compensationStatus ?? ''}`;
          if (listener.seen.get(summary.workflowId) === mark) continue;
          listener.seen.set(summary.workflowId, mark);
          send(listener.res, 'execution', toFeedSummary(summary), String(summary.updateTime));
        }
        // updates within the same millisecond as the last one are looked at again; older ones are done
        const newest = found.results.at(-1)?.updateTime;
        if (newest !== undefined && newest > listener.since) {
          listener.since = newest;
          for (const [id, mark] of listener.seen) if (Number(mark.split(':')[1]) < newest) listener.seen.delete(id);
        }
      }
    } finally {
      polling = false;
    }
  };

  const router: Router = express.Router();
  router.get('/api/waggle/stream/executions', (req, res) => {
    openStream(req, res);
    const lastId = Number(req.get('Last-Event-ID') ?? req.query['since']);
    const listener = { res, since: Number.isFinite(lastId) && lastId > 0 ? lastId : Date.now(), seen: new Map<string, string>() };
    listeners.add(listener);
    open.add(res);
    timer ??= setInterval(
      () =>
        void pollIndex().catch((error: unknown) =>
          options.logger.warn({ err: error }, 'the executions feed could not read the index; trying again'),
        ),
      pollMs,
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      listeners.delete(listener);
      open.delete(res);
      if (listeners.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  });
  router.get('/api/waggle/stream/workflow/:workflowId', (req, res) => {
    openStream(req, res);
    open.add(res);
    const streamId = req.params.workflowId;
    let version = -1;
    let reading = false;
    const look = async (): Promise<void> => {
      if (reading) return;
      reading = true;
      try {
        const slice = await options.store.readStream(streamId, { fromVersion: Math.max(0, version) });
        if (slice.version !== version) {
          version = slice.version;
          send(res, 'changed', { workflowId: streamId, version }, String(version));
        }
      } finally {
        reading = false;
      }
    };
    const lookLogged = () =>
      void look().catch((error: unknown) =>
        options.logger.warn({ err: error, workflowId: streamId }, "the execution feed could not read the execution's stream; trying again"),
      );
    lookLogged();
    const poll = setInterval(lookLogged, pollMs);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(poll);
      clearInterval(ping);
      open.delete(res);
    });
  });

  return {
    router,
    /** Ends every open stream (before the HTTP server stops, which would otherwise wait for them). */
    stop: (): void => {
      for (const res of open) res.end();
      open.clear();
      listeners.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
};
