import { useState } from 'preact/hooks';
import { call, type BulkResponse } from '../api.ts';
import { OperatorFields } from '../execution/OperatorFields.tsx';
import { Dialog, ErrorNote } from '../ui.tsx';

/** The bulk actions on selected executions: what each verb does, and the dialog that confirms it and shows each row's result. */
export type BulkVerb = 'pause' | 'resume' | 'retry' | 'restart' | 'terminate' | 'compensate';
export const bulkVerbs: Record<BulkVerb, { label: string; says: string; method: string; path: string }> = {
  pause: {
    label: 'Pause',
    says: 'Running executions stop scheduling new tasks until resumed; tasks in flight may still finish.',
    method: 'PUT',
    path: 'pause',
  },
  resume: { label: 'Resume', says: 'Paused executions continue from where they stopped.', method: 'PUT', path: 'resume' },
  retry: {
    label: 'Retry',
    says: 'Failed, timed-out or terminated executions run their failed tasks again as new attempts.',
    method: 'POST',
    path: 'retry',
  },
  restart: {
    label: 'Restart',
    says: 'Ended executions run again from the first task with the same input (same ids).',
    method: 'POST',
    path: 'restart',
  },
  terminate: {
    label: 'Terminate',
    says: 'Executions end as TERMINATED; tasks in flight are canceled; nothing is undone.',
    method: 'POST',
    path: 'terminate',
  },
  compensate: {
    label: 'Terminate + compensate',
    says: 'Executions end as TERMINATED after their completed steps are undone (compensations in reverse order).',
    method: 'POST',
    path: 'terminate',
  },
};

export const BulkDialog = ({
  verb,
  ids,
  onClose,
  onDone,
}: {
  verb: BulkVerb | undefined;
  ids: readonly string[];
  onClose: () => void;
  onDone: (r: Record<string, { ok: boolean; message: string }>) => void;
}) => {
  const [reason, setReason] = useState('');
  const [latest, setLatest] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const spec = verb === undefined ? undefined : bulkVerbs[verb];
  const run = async () => {
    if (verb === undefined || spec === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const params = new URLSearchParams();
      // recorded in each execution's history; for a terminate also its reason for incompletion
      if (reason.trim() !== '') params.set('reason', reason.trim());
      if (verb === 'terminate' || verb === 'compensate') params.set('compensate', String(verb === 'compensate'));
      if (verb === 'restart') params.set('useLatestDefinitions', String(latest));
      const answer = await call<BulkResponse>(`/api/workflow/bulk/${spec.path}?${params.toString()}`, { method: spec.method, body: ids });
      const done: Record<string, { ok: boolean; message: string }> = {};
      for (const id of answer.bulkSuccessfulResults) done[id] = { ok: true, message: 'done' };
      for (const [id, message] of Object.entries(answer.bulkErrorResults)) done[id] = { ok: false, message };
      onDone(done);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={spec === undefined ? '' : `${spec.label} ${ids.length} execution${ids.length === 1 ? '' : 's'}?`}
      open={verb !== undefined}
      onClose={onClose}
    >
      <p>{spec?.says}</p>
      <p class="muted">Each execution is acted on by itself; the result of each is shown on its row.</p>
      <ul class="id-list">
        {ids.slice(0, 20).map((id) => (
          <li key={id} class="mono">
            {id}
          </li>
        ))}
        {ids.length > 20 && <li>… and {ids.length - 20} more</li>}
      </ul>
      <OperatorFields reason={reason} onReason={setReason} withReason={verb !== 'terminate' && verb !== 'compensate'} />
      {(verb === 'terminate' || verb === 'compensate') && (
        <label>
          Reason (kept as each execution's reason for incompletion and in its history)
          <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </label>
      )}
      {verb === 'restart' && (
        <label class="inline">
          <input type="checkbox" checked={latest} onChange={() => setLatest(!latest)} /> Use the latest definitions
        </label>
      )}
      {error !== undefined && <ErrorNote error={error} what="The bulk action" />}
      <div class="buttons">
        <button type="button" class="primary danger" disabled={busy} onClick={() => void run()}>
          {busy ? 'Working…' : `${spec?.label ?? ''} ${ids.length}`}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
};
