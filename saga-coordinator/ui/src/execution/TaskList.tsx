import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'preact/hooks';
import type { OperatorAction, Task } from '../api.ts';
import { fmtDuration, fmtTime } from '../format.ts';
import { Status } from '../status.tsx';
import { actionLabels } from './OperatorHistory.tsx';

const rowHeight = 40;

const durationOf = (task: Task, now: number): number | undefined =>
  task.startTime === undefined || task.startTime === 0
    ? undefined
    : (task.endTime === undefined || task.endTime === 0 ? now : task.endTime) - task.startTime;

/** Every task attempt (virtualised: a 1,000-task execution renders only the rows in view), filterable by ref, type or status. */
export const TaskList = ({
  tasks,
  onSelect,
  selected,
}: {
  tasks: readonly Task[];
  onSelect: (task: Task) => void;
  selected?: string | undefined;
}) => {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const text = filter.trim().toLowerCase();
    return text === ''
      ? tasks
      : tasks.filter((t) => [t.referenceTaskName, t.taskType, t.status, t.taskId].some((v) => v.toLowerCase().includes(text)));
  }, [tasks, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const now = Date.now();
  return (
    <div class="task-list">
      <label class="inline">
        Filter tasks{' '}
        <input
          type="search"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          placeholder="ref, type or status"
        />
        <span class="muted">
          {shown.length} of {tasks.length}
        </span>
      </label>
      <div class="vrow vhead" role="presentation">
        <span>#</span>
        <span>Task</span>
        <span>Type</span>
        <span>Status</span>
        <span>Attempt</span>
        <span>Started</span>
        <span>Duration</span>
        <span>Worker</span>
      </div>
      <div
        class="vscroll"
        ref={scroller}
        role="list"
        aria-label="Tasks"
        style={{ height: `${Math.min(400, Math.max(1, shown.length) * rowHeight + 4)}px` }}
      >
        <div style={{ height: `${virtual.getTotalSize()}px`, position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const task = shown[item.index];
            if (task === undefined) return null;
            return (
              <div
                key={task.taskId}
                role="listitem"
                class="vitem"
                style={{ transform: `translateY(${item.start}px)`, height: `${rowHeight}px` }}
              >
                <button
                  type="button"
                  class={`vrow ${selected === task.taskId ? 'selected' : ''}`}
                  onClick={() => onSelect(task)}
                  data-ref={task.referenceTaskName}
                >
                  <span>{task.seq}</span>
                  <span class="mono">
                    {task.referenceTaskName}
                    {task.compensationOf !== undefined && <span class="tag">compensation</span>}
                  </span>
                  <span>{task.taskType}</span>
                  <span>
                    <Status status={task.status} />
                  </span>
                  <span>{task.retryCount + 1}</span>
                  <span>{fmtTime(task.startTime)}</span>
                  <span>{fmtDuration(durationOf(task, now))}</span>
                  <span class="mono">{task.workerId ?? '—'}</span>
                </button>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
};

/** A bar's colour: a canceled or skipped attempt is not drawn as still running. */
const barTone = (status: string): string =>
  status === 'COMPLETED' || status === 'COMPLETED_WITH_ERRORS'
    ? 'ok'
    : status.startsWith('FAILED') || status === 'TIMED_OUT'
      ? 'failed'
      : status === 'CANCELED' || status === 'SKIPPED'
        ? 'ended'
        : 'running';

/** A Gantt of every attempt: the wait from scheduled to started (hatched) and the run (solid), retries as their own rows. */
export const Timeline = ({
  tasks,
  onSelect,
  operatorActions = [],
}: {
  tasks: readonly Task[];
  onSelect: (task: Task) => void;
  operatorActions?: readonly OperatorAction[];
}) => {
  const now = Date.now();
  const times = [
    ...tasks.flatMap((t) => [t.scheduledTime, t.startTime, t.endTime].filter((v): v is number => v !== undefined && v > 0)),
    ...operatorActions.map((action) => action.at),
  ];
  const begin = Math.min(...times, now);
  // a task still waiting or running reaches to now
  const open = tasks.some((t) => t.endTime === undefined || t.endTime === 0);
  const end = Math.max(...times, open ? now : 0, begin + 1);
  const span = Math.max(1, end - begin);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: tasks.length, getScrollElement: () => scroller.current, estimateSize: () => 30, overscan: 12 });
  const pct = (t: number) => `${(((t - begin) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(0.4, ((b - a) / span) * 100).toFixed(3)}%`;
  return (
    <div class="timeline">
      <div class="axis" aria-hidden="true">
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            +{fmtDuration(span * f)}
          </span>
        ))}
      </div>
      <p class="muted">
        <span class="swatch wait" aria-hidden="true" /> waiting (scheduled → started) <span class="swatch run" aria-hidden="true" /> running
        (started → ended). One row per attempt{operatorActions.length > 0 && <>; ▼ an operator action</>}.
      </p>
      {operatorActions.length > 0 && (
        <div class="gantt-row operator-row">
          <span class="gantt-label">operators</span>
          <ul class="gantt-track" aria-label="Operator actions on the timeline">
            {operatorActions.map((action, index) => {
              const said = `${fmtTime(action.at)}: ${action.actor} ${actionLabels[action.action] ?? action.action}${action.reason === undefined ? '' : ` (${action.reason})`}`;
              return (
                <li key={`${action.at}-${index}`} class="op-mark" style={{ left: pct(action.at) }} title={said}>
                  <span aria-hidden="true">▼</span>
                  <span class="sr-only">{said}</span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <div
        class="vscroll"
        ref={scroller}
        role="list"
        aria-label="Timeline of task attempts"
        style={{ height: `${Math.min(400, Math.max(1, tasks.length) * 30 + 4)}px` }}
      >
        <div style={{ height: `${virtual.getTotalSize()}px`, position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const task = tasks[item.index];
            if (task === undefined) return null;
            const scheduled = task.scheduledTime ?? task.startTime ?? now;
            const started = task.startTime !== undefined && task.startTime > 0 ? task.startTime : undefined;
            const ended = task.endTime !== undefined && task.endTime > 0 ? task.endTime : now;
            const label = `${task.referenceTaskName} attempt ${task.retryCount + 1}: ${task.status.toLowerCase()}, waited ${fmtDuration((started ?? ended) - scheduled)}, ran ${started === undefined ? '—' : fmtDuration(ended - started)}`;
            return (
              <div
                key={task.taskId}
                role="listitem"
                class="vitem gantt-row"
                style={{ transform: `translateY(${item.start}px)`, height: '30px' }}
              >
                <button type="button" class="gantt-label mono" onClick={() => onSelect(task)} aria-label={label} title={label}>
                  {task.referenceTaskName}
                  {task.retryCount > 0 ? ` #${task.retryCount + 1}` : ''}
                </button>
                <span class="gantt-track" aria-hidden="true">
                  <span class="bar wait" style={{ left: pct(scheduled), width: width(scheduled, started ?? ended) }} />
                  {started !== undefined && (
                    <span class={`bar run tone-${barTone(task.status)}`} style={{ left: pct(started), width: width(started, ended) }} />
                  )}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
};
