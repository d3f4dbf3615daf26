import { useState } from 'preact/hooks';
import { ApiError, call, enc, type Workflow } from '../api.ts';
import { Dialog } from '../ui.tsx';

export type Verb = 'pause' | 'resume' | 'terminate' | 'retry' | 'restart';

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
};

/** Conductor's rules: pause when running, resume when paused, terminate until it ends, retry a failed one, restart an ended one. */
export const allowedVerbs = (workflow: Workflow): Verb[] => {
  switch (workflow.status) {
    case 'RUNNING':
      return ['pause', 'terminate'];
    case 'PAUSED':
      return ['resume', 'terminate'];
    case 'FAILED':
    case 'TIMED_OUT':
    case 'TERMINATED':
      return workflow.workflowDefinition.restartable === false ? ['retry'] : ['retry', 'restart'];
    case 'COMPLETED':
      return workflow.workflowDefinition.restartable === false ? [] : ['restart'];
    default:
      return [];
  }
};

export type Outcome = { readonly ok: boolean; readonly text: string; readonly at: number };

const request = (verb: Verb, id: string, reason: string, compensate: boolean, latest: boolean): [string, string] => {
  const base = `/api/workflow/${enc(id)}`;
  switch (verb) {
    case 'pause':
      return ['PUT', `${base}/pause`];
    case 'resume':
      return ['PUT', `${base}/resume`];
    case 'terminate':
      return [
        'DELETE',
        `${base}?${new URLSearchParams({ ...(reason === '' ? {} : { reason }), compensate: String(compensate) }).toString()}`,
      ];
    case 'retry':
      return ['POST', `${base}/retry`];
    case 'restart':
      return ['POST', `${base}/restart?useLatestDefinitions=${String(latest)}`];
  }
};

/** The operator actions the status allows, each confirmed in a dialog that says what will happen; the answer is shown. */
export const Actions = ({ workflow, onDone }: { workflow: Workflow; onDone: (outcome: Outcome) => void }) => {
  const [verb, setVerb] = useState<Verb | undefined>();
  const [reason, setReason] = useState('');
  const [compensate, setCompensate] = useState(false);
  const [latest, setLatest] = useState(false);
  const [busy, setBusy] = useState(false);
  const verbs = allowedVerbs(workflow);
  const spec = verb === undefined ? undefined : specs[verb];

  const run = async () => {
    if (verb === undefined) return;
    setBusy(true);
    const [method, path] = request(verb, workflow.workflowId, reason.trim(), compensate, latest);
    try {
      await call(path, { method });
      onDone({ ok: true, text: `${specs[verb].done} The coordinator accepted “${specs[verb].label.toLowerCase()}”.`, at: Date.now() });
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
        <button key={v} type="button" class={v === 'terminate' ? 'danger' : ''} onClick={() => setVerb(v)} data-action={v}>
          {specs[v].label}…
        </button>
      ))}
      <Dialog
        title={spec === undefined ? '' : `${spec.label} ${workflow.workflowName} ${workflow.workflowId}?`}
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
            <button type="submit" class={verb === 'terminate' ? 'primary danger' : 'primary'} disabled={busy}>
              {busy ? 'Working…' : `${spec?.label ?? ''} now`}
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
