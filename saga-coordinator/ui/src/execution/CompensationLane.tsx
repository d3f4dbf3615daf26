import type { Task, Workflow, WorkflowTaskDef } from '../api.ts';
import { fmtTime } from '../format.ts';
import { Status } from '../status.tsx';

type Step = {
  readonly forward: Task;
  /** The compensation's ref as the definition declares it. */
  readonly ref: string;
  /** Its attempts, latest last (none yet: it will run, or would). */
  readonly runs: readonly Task[];
  /** 1 = undone first. */
  readonly order: number;
};

const ended = (task: Task): number => task.endTime ?? task.updateTime ?? 0;

/**
 * What the engine undoes: every completed forward step that declares a compensation, in reverse completion order
 * (as compensationPlan orders them), with the compensation attempts that ran for it.
 */
export const compensationSteps = (workflow: Workflow): Step[] => {
  const forward = workflow.tasks.filter(
    (t) => t.compensationOf === undefined && t.status === 'COMPLETED' && t.retried !== true && t.workflowTask.compensation !== undefined,
  );
  const ordered = [...forward].sort((a, b) => ended(b) - ended(a) || b.seq - a.seq);
  return ordered.map((task, index) => ({
    forward: task,
    ref: task.workflowTask.compensation?.taskReferenceName ?? '',
    runs: workflow.tasks.filter((t) => t.compensationOf === task.taskId).sort((a, b) => a.seq - b.seq),
    order: index + 1,
  }));
};

const declaresCompensation = (tasks: readonly WorkflowTaskDef[]): boolean =>
  tasks.some(
    (task) =>
      task.compensation !== undefined ||
      declaresCompensation([
        ...Object.values(task.decisionCases ?? {}).flat(),
        ...(task.defaultCase ?? []),
        ...(task.forkTasks ?? []).flat(),
        ...(task.loopOver ?? []),
      ]),
  );

const isOver = (status: string): boolean => !['RUNNING', 'PAUSED'].includes(status);

/**
 * The compensation lane: the forward steps in the order they ran, and beside each the compensation that undoes it —
 * ran (with its status), running, due (the execution is compensating), or would run (should the execution fail or be
 * terminated with compensation).
 */
export const CompensationLane = ({ workflow, onSelect }: { workflow: Workflow; onSelect: (task: Task) => void }) => {
  const steps = compensationSteps(workflow);
  const compensating = workflow.compensationStatus !== undefined;
  // the latest attempt of every step that declares a compensation, completed or not, in the order they ran
  const latest = new Map<string, Task>();
  for (const task of workflow.tasks)
    if (task.compensationOf === undefined && task.workflowTask.compensation !== undefined) {
      const seen = latest.get(task.referenceTaskName);
      if (seen === undefined || seen.seq < task.seq) latest.set(task.referenceTaskName, task);
    }
  const byTask = new Map(steps.map((step) => [step.forward.taskId, step]));
  const rows = [...latest.values()].sort((a, b) => a.seq - b.seq);
  const declares = declaresCompensation(workflow.workflowDefinition.tasks);
  const state = workflow.compensationStatus ?? (isOver(workflow.status) ? 'none' : 'standby');
  return (
    <section class="card comp-lane" aria-labelledby="comp-title">
      <h2 id="comp-title">Compensation lane</h2>
      <p class="muted">
        {state === 'standby' &&
          (declares
            ? 'Nothing undone yet. Should this execution fail (or be terminated with compensation), the compensations below run in the order numbered, the last completed step first.'
            : 'No step of this workflow declares a compensation: a failure undoes nothing.')}
        {state === 'none' &&
          (steps.length === 0
            ? 'No completed step declares a compensation: nothing was undone.'
            : workflow.status === 'COMPLETED'
              ? 'Completed: nothing to undo. Had it failed, the compensations below would have run in the order numbered.'
              : 'The execution ended without compensating (it was not asked to).')}
        {state === 'COMPENSATING' && 'Compensating now: completed steps are undone in the order numbered, the last completed step first.'}
        {state === 'COMPENSATED' && 'Every completed step was undone, in the order numbered.'}
        {state === 'COMPENSATION_FAILED' && 'A compensation failed: some steps are not undone. Look at the failed compensation below.'}
      </p>
      {rows.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Compensation lane table (scrolls sideways)">
          <table class="lane">
            <caption class="sr-only">Forward steps and the compensation that undoes each</caption>
            <thead>
              <tr>
                <th scope="col">Forward step</th>
                <th scope="col">Its status</th>
                <th scope="col">Undo order</th>
                <th scope="col">Compensation</th>
                <th scope="col">Compensation status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((task) => {
                const step = byTask.get(task.taskId);
                if (step === undefined)
                  return (
                    <tr key={task.taskId} data-undoes={task.referenceTaskName} class="nothing">
                      <td class="mono">
                        <button type="button" class="link" onClick={() => onSelect(task)}>
                          {task.referenceTaskName}
                        </button>
                      </td>
                      <td>
                        <Status status={task.status} />
                      </td>
                      <td>—</td>
                      <td class="mono">{task.workflowTask.compensation?.taskReferenceName}</td>
                      <td class="muted">nothing to undo: the step did not complete</td>
                    </tr>
                  );
                const last = step.runs.at(-1);
                const pending = compensating ? 'SCHEDULED' : 'NOT_RUN';
                return (
                  <tr key={step.forward.taskId} data-undoes={step.forward.referenceTaskName} data-ref={step.ref}>
                    <td class="mono">
                      <button type="button" class="link" onClick={() => onSelect(step.forward)}>
                        {step.forward.referenceTaskName}
                      </button>
                    </td>
                    <td>
                      <Status status={task.status} /> <span class="muted nowrap">{fmtTime(step.forward.endTime)}</span>
                    </td>
                    <td>
                      <span class="order">{step.order}</span>
                      <span aria-hidden="true" class="muted">
                        {' '}
                        ⟵
                      </span>
                    </td>
                    <td class="mono">
                      {last === undefined ? (
                        step.ref
                      ) : (
                        <button type="button" class="link" onClick={() => onSelect(last)}>
                          {step.ref}
                        </button>
                      )}
                      <span class="muted"> undoes {step.forward.referenceTaskName}</span>
                    </td>
                    <td>
                      {last === undefined ? (
                        <span class="status-group">
                          <Status status={pending} />
                          <span class="muted">{compensating ? ' due' : isOver(workflow.status) ? '' : ' would run'}</span>
                        </span>
                      ) : (
                        <span class="status-group">
                          <Status status={last.status} />
                          {step.runs.length > 1 && <span class="muted"> {step.runs.length} attempts</span>}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
};
