import { useState } from 'preact/hooks';
import { ApiError, call, enc, type Workflow, type WorkflowTaskDef } from '../api.ts';
import { Dialog } from '../ui.tsx';
import { OperatorFields } from './OperatorFields.tsx';

export type Verb = 'pause' | 'resume' | 'terminate' | 'retry' | 'restart' | 'rerun' | 'skip' | 'remove';

type Spec = { readonly label: string; readonly says: string; readonly done: string };
const specs: Record<Verb, Spec> = {
  pause: {
    label: 'Pause',
    says: 'Nothing new is scheduled until you resume it. Tasks already handed to a worker may still finish.',
    done: 'Paused.',
  },
  resume: { label: 'Resume', says: 'The execution continues from where it stopped.', done: 'Resumed.' },
  terminate: {
    label: 'Terminate',
    says: 'The execution ends as TERMINATED and its tasks in flight are canceled. With compensation, its completed steps are undone first (the compensation lane shows which).',
    done: 'Terminated.',
  },
  retry: { label: 'Retry', says: 'The failed tasks run again as new attempts; the completed ones are kept.', done: 'Retried.' },
  restart: {
    label: 'Restart',
    says: 'The execution runs again from its first task with the same input and the same id; its earlier tasks are replaced.',
    done: 'Restarted.',
  },
  rerun: {
    label: 'Rerun from a task',
    says: 'The execution runs again from the task you pick: the tasks before it keep their results, that task and those after it run anew.',
    done: 'Rerun.',
  },
  remove: {
    label: 'Remove',
    says: "The execution leaves this dashboard and search; its history stays in the coordinator's event store. It cannot be brought back from here.",
    done: 'Removed.',
  },
  skip: {
    label: 'Skip a task',
    says: 'The task you pick, not scheduled yet, is marked SKIPPED when the execution reaches it, and the execution moves past it.',
    done: 'Skipped.',
  },
};

/**
 * Conductor's rules: pause when running, resume when paused, terminate or skip a task until it ends, retry a failed
 * one, restart or rerun an ended one.
 */
export const allowedVerbs = (workflow: Workflow): Verb[] => {
  const restartable = workflow.workflowDefinition.restartable !== false;
  switch (workflow.status) {
    case 'RUNNING':
      return ['pause', 'terminate', 'skip'];
    case 'PAUSED':
      return ['resume', 'terminate', 'skip'];
    case 'FAILED':
    case 'TIMED_OUT':
    case 'TERMINATED':
      return restartable ? ['retry', 'restart', 'rerun', 'remove'] : ['retry', 'rerun', 'remove'];
    case 'COMPLETED':
      return restartable ? ['restart', 'rerun', 'remove'] : ['rerun', 'remove'];
    default:
      return [];
  }
};

const refsOf = (tasks: readonly WorkflowTaskDef[]): string[] =>
  tasks.flatMap((task) => [
    task.taskReferenceName,
    ...refsOf([
      ...Object.values(task.decisionCases ?? {}).flat(),
      ...(task.defaultCase ?? []),
      ...(task.forkTasks ?? []).flat(),
      ...(task.loopOver ?? []),
    ]),
  ]);

/** What a task-level action can be aimed at: rerun from a forward task that ran; skip one not scheduled yet. */
const targetsOf = (verb: Verb, workflow: Workflow): { value: string; label: string }[] => {
  if (verb === 'rerun')
    return workflow.tasks
      .filter((t) => t.compensationOf === undefined && t.retried !== true)
      .map((t) => ({ value: t.taskId, label: `${t.seq}. ${t.referenceTaskName} (${t.status.toLowerCase()})` }));
  if (verb === 'skip') {
    const ran = new Set(workflow.tasks.map((t) => t.referenceTaskName));
    return refsOf(workflow.workflowDefinition.tasks)
      .filter((ref) => !ran.has(ref))
      .map((ref) => ({ value: ref, label: ref }));
  }
  return [];
};

export type Outcome = { readonly ok: boolean; readonly text: string; readonly at: number; readonly verb?: Verb };

type Choice = { readonly reason: string; readonly compensate: boolean; readonly latest: boolean; readonly target: string };

const request = (verb: Verb, id: string, choice: Choice): [string, string, unknown?] => {
  const base = `/api/workflow/${enc(id)}`;
  // every action takes ?reason= (recorded in the execution's history); terminate's is also Conductor's own
  const query = (more: Record<string, string> = {}) =>
    `?${new URLSearchParams({ ...(choice.reason === '' ? {} : { reason: choice.reason }), ...more }).toString()}`;
  switch (verb) {
    case 'pause':
      return ['PUT', `${base}/pause${query()}`];
    case 'resume':
      return ['PUT', `${base}/resume${query()}`];
    case 'terminate':
      return ['DELETE', `${base}${query({ compensate: String(choice.compensate) })}`];
    case 'retry':
      return ['POST', `${base}/retry${query()}`];
    case 'restart':
      return ['POST', `${base}/restart${query({ useLatestDefinitions: String(choice.latest) })}`];
    case 'rerun':
      return ['POST', `${base}/rerun${query()}`, { reRunFromWorkflowId: id, reRunFromTaskId: choice.target }];
    case 'skip':
      return ['PUT', `${base}/skiptask/${enc(choice.target)}${query()}`];
    case 'remove':
      return ['DELETE', `${base}/remove${query()}`];
  }
};

/** The operator actions the status allows, each confirmed in a dialog that says what will happen; the answer is shown. */
export const Actions = ({ workflow, onDone }: { workflow: Workflow; onDone: (outcome: Outcome) => void }) => {
  const [verb, setVerb] = useState<Verb | undefined>();
  const [reason, setReason] = useState('');
  const [compensate, setCompensate] = useState(false);
  const [latest, setLatest] = useState(false);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const verbs = allowedVerbs(workflow);
  const spec = verb === undefined ? undefined : specs[verb];
  const targets = verb === undefined ? [] : targetsOf(verb, workflow);
  const needsTarget = verb === 'rerun' || verb === 'skip';

  const open = (v: Verb) => {
    setTarget(targetsOf(v, workflow)[0]?.value ?? '');
    setReason('');
    setVerb(v);
  };
  const run = async () => {
    if (verb === undefined) return;
    setBusy(true);
    const [method, path, body] = request(verb, workflow.workflowId, { reason: reason.trim(), compensate, latest, target });
    try {
      await call(path, { method, ...(body === undefined ? {} : { body }) });
      onDone({
        ok: true,
        text: `${specs[verb].done} The coordinator accepted “${verb}”${needsTarget ? ` (${target})` : ''}.`,
        at: Date.now(),
        verb,
      });
    } catch (error) {
      const message = error instanceof ApiError ? `${error.message} (HTTP ${error.problem.status})` : String(error);
      onDone({ ok: false, text: `${specs[verb].label} was refused: ${message}`, at: Date.now() });
    } finally {
      setBusy(false);
      setVerb(undefined);
    }
  };

  return (
    <div class="actions" role="group" aria-label="Operator actions">
      {verbs.length === 0 && <span class="muted">No action applies to a {workflow.status.toLowerCase()} execution.</span>}
      {verbs.map((v) => (
        <button key={v} type="button" class={v === 'terminate' || v === 'remove' ? 'danger' : ''} onClick={() => open(v)} data-action={v}>
          {specs[v].label}…
        </button>
      ))}
      <Dialog
        title={spec === undefined ? '' : `${spec.label} — ${workflow.workflowName} ${workflow.workflowId}?`}
        open={verb !== undefined}
        onClose={() => setVerb(undefined)}
      >
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            void run();
          }}
        >
          <p>{spec?.says}</p>
          {needsTarget &&
            (targets.length === 0 ? (
              <p class="note">
                {verb === 'skip' ? 'Every task of this execution is scheduled already: none is left to skip.' : 'No task ran.'}
              </p>
            ) : (
              <label>
                {verb === 'skip' ? 'Task to skip' : 'Rerun from'}
                <select name="target" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
                  {targets.map((t) => (
                    <option key={t.value} value={t.value}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          <OperatorFields reason={reason} onReason={setReason} withReason={verb !== 'terminate'} />
          {verb === 'terminate' && (
            <>
              <label>
                Reason (kept as the execution's reason for incompletion)
                <input name="reason" value={reason} required onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
              </label>
              <label class="inline">
                <input type="checkbox" name="compensate" checked={compensate} onChange={() => setCompensate(!compensate)} /> Undo the
                completed steps (compensate)
              </label>
            </>
          )}
          {verb === 'restart' && (
            <label class="inline">
              <input type="checkbox" name="latest" checked={latest} onChange={() => setLatest(!latest)} /> Use the latest definition
            </label>
          )}
          <div class="buttons">
            <button
              type="submit"
              class={verb === 'terminate' || verb === 'remove' ? 'primary danger' : 'primary'}
              disabled={busy || (needsTarget && targets.length === 0)}
            >
              {busy ? 'Working…' : `${spec?.label.split(' ')[0] ?? ''} now`}
            </button>
            <button type="button" onClick={() => setVerb(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </div>
  );
};
