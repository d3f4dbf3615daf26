import { useEffect, useRef } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { call, enc, type WorkflowSummary } from '../api.ts';
import { shortReason, toMs } from '../format.ts';
import { Status, workflowStatuses } from '../status.tsx';
import { ErrorNote, useEventStream, useLoad } from '../ui.tsx';
import { TaskQueues } from './TaskQueues.tsx';

type Found = { totalHits: number; results: WorkflowSummary[] };
const search = (query: string, size: number, sort = 'startTime:DESC') =>
  call<Found>(`/api/workflow/search?${new URLSearchParams({ query, size: String(size), start: '0', sort, freeText: '*' }).toString()}`);

const hour = 3_600_000;
const window = 24;
const sample = 1000;

type Health = {
  readonly counts: readonly (readonly [string, number])[];
  readonly hours: readonly { readonly at: number; readonly byStatus: Readonly<Record<string, number>> }[];
  readonly sampled: number;
  readonly reasons: readonly (readonly [string, number])[];
  readonly failuresSeen: number;
};

const loadHealth = async (): Promise<Health> => {
  const now = Date.now();
  const since = Math.floor(now / hour) * hour - (window - 1) * hour;
  const [counts, recent, failures] = await Promise.all([
    Promise.all(workflowStatuses.map(async (status) => [status, (await search(`status IN (${status})`, 1)).totalHits] as const)),
    search(`startTime>${since - 1}`, sample),
    search('status IN (FAILED,TIMED_OUT,TERMINATED)', 500),
  ]);
  const hours: { at: number; byStatus: Record<string, number> }[] = Array.from({ length: window }, (_, i) => ({
    at: since + i * hour,
    byStatus: {},
  }));
  for (const row of recent.results) {
    const slot = hours[Math.floor(((toMs(row.startTime) ?? 0) - since) / hour)];
    if (slot !== undefined) slot.byStatus[row.status] = (slot.byStatus[row.status] ?? 0) + 1;
  }
  const reasons = new Map<string, number>();
  for (const row of failures.results) {
    const reason = shortReason(row.reasonForIncompletion ?? '(no reason given)');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    counts,
    hours,
    sampled: recent.results.length,
    reasons: [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10),
    failuresSeen: failures.results.length,
  };
};

const hourLabel = (at: number): string => new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });

/**
 * Health: executions by status now and per hour over the last day, the top failure reasons (from the search API), the
 * task queues and the workers last seen.
 */
export const HealthPage = () => {
  const [health, reload] = useLoad(loadHealth, []);
  // a status changed somewhere: read again (the feed says when, the search says how many)
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useEventStream('/api/waggle/stream/executions', 'execution', () => {
    // a burst of changes reads the counts once
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      reload();
    }, 2000);
  });
  useEffect(() => () => clearTimeout(pending.current), []);
  const value = health.value;
  const busiest = Math.max(1, ...(value?.hours ?? []).map((h) => Object.values(h.byStatus).reduce((a, b) => a + b, 0)));
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <p class="muted">{live ? 'Live: counts follow status changes.' : 'Live updates connecting…'}</p>
      {health.state === 'error' && <ErrorNote error={health.error} what="Reading the counts" />}
      {value !== undefined && (
        <>
          <section class="card" aria-labelledby="counts-title">
            <h2 id="counts-title">Executions by status</h2>
            <ul class="counts">
              {value.counts.map(([status, count]) => (
                <li key={status} data-status={status}>
                  <Link href={`/?status=${status}`} aria-label={`${count} ${status.toLowerCase()}: show them`}>
                    <span class="count">{count}</span> <Status status={status} />
                  </Link>
                </li>
              ))}
            </ul>
          </section>
          <section class="card" aria-labelledby="hours-title">
            <h2 id="hours-title">Started per hour, last {window} hours</h2>
            <p class="muted">
              By their status now{value.sampled === sample ? ` (the latest ${sample} executions)` : ''}. Each bar is one hour; hover it, or
              read it as a list with a screen reader, for the numbers.
            </p>
            <ul class="legend" aria-label="Colours of the bars">
              {workflowStatuses.map((s) => (
                <li key={s}>
                  <span class={`swatch status-${s}`} aria-hidden="true" /> {s.toLowerCase().replace('_', ' ')}
                </li>
              ))}
            </ul>
            <div class="hours" role="list">
              {value.hours.map((h) => {
                const total = Object.values(h.byStatus).reduce((a, b) => a + b, 0);
                const text = `${hourLabel(h.at)}: ${total} started${
                  total === 0
                    ? ''
                    : ` (${Object.entries(h.byStatus)
                        .map(([s, n]) => `${n} ${s.toLowerCase()}`)
                        .join(', ')})`
                }`;
                return (
                  <div key={h.at} class="hour" role="listitem" aria-label={text} title={text}>
                    <div class="stack" style={{ height: `${(total / busiest) * 100}%` }}>
                      {workflowStatuses
                        .filter((s) => (h.byStatus[s] ?? 0) > 0)
                        .map((s) => (
                          <span key={s} class={`seg status-${s}`} style={{ flexGrow: h.byStatus[s] }} />
                        ))}
                    </div>
                  </div>
                );
              })}
            </div>
            <div class="hour-axis" aria-hidden="true">
              <span>{hourLabel(value.hours[0]?.at ?? 0)}</span>
              <span>{hourLabel(value.hours.at(-1)?.at ?? 0)}</span>
            </div>
          </section>
          <section class="card" aria-labelledby="reasons-title">
            <h2 id="reasons-title">Top failure reasons</h2>
            {value.reasons.length === 0 ? (
              <p class="muted">No failed, timed-out or terminated execution.</p>
            ) : (
              <table>
                <caption class="sr-only">Reasons of the latest {value.failuresSeen} failed, timed-out or terminated executions</caption>
                <thead>
                  <tr>
                    <th scope="col">Executions</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {value.reasons.map(([reason, count]) => (
                    <tr key={reason}>
                      <td>{count}</td>
                      <td>
                        <Link href={`/?q=${enc(reason.slice(0, 80))}`}>{reason}</Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <TaskQueues />
          <p class="muted">
            The coordinator's <a href="/status">/status</a> shows the inputs consumer's lag, the outbox lanes and the timer shards.
          </p>
        </>
      )}
    </section>
  );
};
