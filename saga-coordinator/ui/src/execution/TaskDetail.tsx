import type { Task, Workflow } from '../api.ts';
import { fmtDuration, fmtTime } from '../format.ts';
import { Status } from '../status.tsx';
import { JsonView } from '../ui.tsx';
import { TaskRecords } from './KafkaRecords.tsx';

const took = (task: Task): number | undefined =>
  task.startTime === undefined || task.startTime === 0 || task.endTime === undefined || task.endTime === 0
    ? undefined
    : task.endTime - task.startTime;

/** One task: what it was given and gave back, every attempt of it with its error and worker. */
export const TaskDetail = ({ workflow, task, onClose }: { workflow: Workflow; task: Task; onClose: () => void }) => {
  const attempts = workflow.tasks.filter((t) => t.referenceTaskName === task.referenceTaskName && t.compensationOf === task.compensationOf);
  const undoes = task.compensationOf === undefined ? undefined : workflow.tasks.find((t) => t.taskId === task.compensationOf);
  return (
    <section class="card task-detail" aria-labelledby="task-title">
      <div class="card-head">
        <h2 id="task-title" tabIndex={-1}>
          Task <code>{task.referenceTaskName}</code>
        </h2>
        <button type="button" onClick={onClose} aria-label="Close the task details">
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status status={task.status} />
        </dd>
        <dt>Type</dt>
        <dd>
          {task.workflowTask.type ?? 'SIMPLE'} <span class="muted">({task.taskDefName})</span>
        </dd>
        <dt>Task id</dt>
        <dd class="mono">{task.taskId}</dd>
        {undoes !== undefined && (
          <>
            <dt>Undoes</dt>
            <dd class="mono">{undoes.referenceTaskName}</dd>
          </>
        )}
        <dt>Attempt</dt>
        <dd>
          {task.retryCount + 1} of {attempts.length} so far
        </dd>
        <dt>Worker</dt>
        <dd class="mono">{task.workerId ?? '—'}</dd>
        <dt>Scheduled</dt>
        <dd>{fmtTime(task.scheduledTime)}</dd>
        <dt>Started</dt>
        <dd>{fmtTime(task.startTime)}</dd>
        <dt>Ended</dt>
        <dd>{fmtTime(task.endTime)}</dd>
        {task.reasonForIncompletion !== undefined && (
          <>
            <dt>Error</dt>
            <dd class="error-text">{task.reasonForIncompletion}</dd>
          </>
        )}
      </dl>
      <h3>Attempts</h3>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={`Attempts of ${task.referenceTaskName} (scrolls sideways)`}>
        <table class="attempts">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Status</th>
              <th scope="col">Worker</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((attempt) => (
              <tr key={attempt.taskId} class={attempt.taskId === task.taskId ? 'selected' : ''}>
                <td>{attempt.retryCount + 1}</td>
                <td>
                  <Status status={attempt.status} />
                </td>
                <td class="mono">{attempt.workerId ?? '—'}</td>
                <td class="nowrap">{fmtTime(attempt.startTime)}</td>
                <td class="nowrap">{fmtDuration(took(attempt))}</td>
                <td class="reason">{attempt.reasonForIncompletion ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <TaskRecords workflow={workflow} task={task} />
      <h3>Input</h3>
      <JsonView value={task.inputData ?? {}} label={`Input of ${task.referenceTaskName}`} />
      <h3>Output</h3>
      <JsonView value={task.outputData ?? {}} label={`Output of ${task.referenceTaskName}`} />
      <details>
        <summary>Its definition at run time (as the execution snapshotted it)</summary>
        <JsonView value={task.workflowTask} label={`Definition of ${task.referenceTaskName}`} />
      </details>
    </section>
  );
};
