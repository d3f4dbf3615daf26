import { useEffect } from 'preact/hooks';
import { call } from '../api.ts';
import { fmtDuration, fmtTime } from '../format.ts';
import { ErrorNote, useLoad } from '../ui.tsx';

type Queue = { readonly taskType: string; readonly size: number; readonly oldestQueuedAt?: number; readonly oldestWaitMs?: number };
type Worker = {
  readonly taskType: string;
  readonly workerId: string;
  readonly domain?: string;
  readonly lastPollTime?: number;
  readonly lastResultTime?: number;
};

/** One row per worker: the task types it was seen for, and when it was seen last (over all of them). */
type SeenWorker = {
  readonly workerId: string;
  readonly taskTypes: readonly string[];
  readonly lastPollTime?: number;
  readonly lastResultTime?: number;
};
const byWorker = (sightings: readonly Worker[]): SeenWorker[] => {
  const workers = new Map<string, { taskTypes: string[]; lastPollTime?: number; lastResultTime?: number }>();
  const later = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  for (const s of sightings) {
    const seen = workers.get(s.workerId) ?? { taskTypes: [] };
    seen.taskTypes.push(s.taskType);
    const lastPollTime = later(seen.lastPollTime, s.lastPollTime);
    const lastResultTime = later(seen.lastResultTime, s.lastResultTime);
    workers.set(s.workerId, {
      taskTypes: seen.taskTypes,
      ...(lastPollTime === undefined ? {} : { lastPollTime }),
      ...(lastResultTime === undefined ? {} : { lastResultTime }),
    });
  }
  const last = (w: SeenWorker) => Math.max(w.lastPollTime ?? 0, w.lastResultTime ?? 0);
  return [...workers]
    .map(([workerId, seen]) => ({ workerId, ...seen, taskTypes: [...seen.taskTypes].sort() }))
    .sort((a, b) => last(b) - last(a));
};

const loadQueues = async () => {
  const [queues, workers] = await Promise.all([call<Queue[]>('/api/waggle/tasks/queues'), call<Worker[]>('/api/waggle/tasks/workers')]);
  // the queues with tasks waiting first, the longest wait on top
  const sorted = [...queues].sort((a, b) => (b.oldestWaitMs ?? -1) - (a.oldestWaitMs ?? -1) || a.taskType.localeCompare(b.taskType));
  return { queues: sorted, workers: byWorker(workers), at: Date.now() };
};

const ago = (at: number | undefined, now: number): string => (at === undefined ? '—' : `${fmtDuration(Math.max(0, now - at))} ago`);

/** Task types with their queue depth and oldest waiting task, and the workers last seen (read again every 5 s). */
export const TaskQueues = () => {
  const [loaded, reload] = useLoad(loadQueues, []);
  useEffect(() => {
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [reload]);
  const value = loaded.value;
  return (
    <>
      <section class="card" aria-labelledby="queues-title">
        <h2 id="queues-title">Task queues</h2>
        <p class="muted">
          Tasks dispatched and not picked up yet: not polled by an HTTP worker, or not answered by a Kafka worker. Read every 5 s from{' '}
          <code>/api/waggle/tasks/queues</code> (Conductor's <code>/api/tasks/queue/all</code> gives the sizes alone).
        </p>
        {loaded.state === 'error' && <ErrorNote error={loaded.error} what="Reading the task queues" />}
        {value !== undefined &&
          (value.queues.length === 0 ? (
            <p class="muted">
              No task type is registered and no task waits. Register task definitions on the Definitions page or with POST
              /api/metadata/taskdefs.
            </p>
          ) : (
            <table class="queues">
              <caption class="sr-only">Task types with the tasks waiting for a worker</caption>
              <thead>
                <tr>
                  <th scope="col">Task type</th>
                  <th scope="col" class="num">
                    Waiting
                  </th>
                  <th scope="col">Oldest waiting</th>
                </tr>
              </thead>
              <tbody>
                {value.queues.map((queue) => (
                  <tr key={queue.taskType} data-task-type={queue.taskType} class={queue.size > 0 ? 'waiting' : ''}>
                    <td class="mono">{queue.taskType}</td>
                    <td class="num size">{queue.size}</td>
                    <td class="oldest">
                      {queue.oldestWaitMs === undefined ? (
                        <span class="muted">—</span>
                      ) : (
                        <span title={fmtTime(queue.oldestQueuedAt)}>{fmtDuration(queue.oldestWaitMs)}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </section>
      <section class="card" aria-labelledby="workers-title">
        <h2 id="workers-title">Workers last seen</h2>
        <p class="muted">HTTP workers by their last poll (Conductor's poll data), workers on Kafka by their last result.</p>
        {value !== undefined &&
          (value.workers.length === 0 ? (
            <p class="muted">No worker seen yet: an HTTP worker shows up with its first poll, a Kafka worker with its first result.</p>
          ) : (
            <table class="workers">
              <caption class="sr-only">Workers, the most recently seen first</caption>
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Task types</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {value.workers.map((worker) => (
                  <tr key={worker.workerId} data-worker={worker.workerId}>
                    <td class="mono worker-id">{worker.workerId}</td>
                    <td class="mono task-types">{worker.taskTypes.join(', ')}</td>
                    <td class="seen">
                      {worker.lastPollTime !== undefined && (
                        <div title={fmtTime(worker.lastPollTime)}>polled {ago(worker.lastPollTime, value.at)}</div>
                      )}
                      {worker.lastResultTime !== undefined && (
                        <div title={fmtTime(worker.lastResultTime)}>result {ago(worker.lastResultTime, value.at)}</div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </section>
    </>
  );
};
