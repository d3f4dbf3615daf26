import type { OperatorAction } from '../api.ts';
import { fmtTime } from '../format.ts';

export const actionLabels: Record<string, string> = {
  PauseWorkflow: 'paused',
  ResumeWorkflow: 'resumed',
  TerminateWorkflow: 'terminated',
  RetryWorkflow: 'retried',
  RerunWorkflow: 'reran',
  RestartWorkflow: 'restarted',
  SkipTask: 'skipped a task',
};

/** What an action aimed at, said in words. */
const detailOf = (action: OperatorAction): string =>
  [
    action.target === undefined ? '' : action.action === 'SkipTask' ? `task ${action.target}` : `from task ${action.target}`,
    action.compensate === true ? 'with compensation' : '',
    action.useLatestDefinitions === true ? 'on the latest definition' : '',
  ]
    .filter((part) => part !== '')
    .join(', ');

/** The operator actions in the execution's history: who did what, when and why, oldest first. */
export const OperatorHistory = ({ actions }: { actions: readonly OperatorAction[] }) =>
  actions.length === 0 ? (
    <p class="muted">
      No operator acted on this execution yet. Every pause, resume, terminate, retry, restart, rerun and skip is listed here with who, when
      and why.
    </p>
  ) : (
    <table class="history">
      <caption class="muted">Operator actions, as the execution's history records them (oldest first)</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {actions.map((action, index) => (
          <tr key={`${action.at}-${index}`} data-action={action.action}>
            <td class="mono">
              {fmtTime(action.at)}
              <span class="muted">.{String(action.at % 1000).padStart(3, '0')}</span>
            </td>
            <td>{action.actor}</td>
            <td>
              {actionLabels[action.action] ?? action.action}
              {detailOf(action) === '' ? '' : <span class="muted"> ({detailOf(action)})</span>}
            </td>
            <td>{action.reason ?? <span class="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

/** The latest operator action among the execution's facts: who paused it (say) and why, without opening the history. */
export const LastOperatorAction = ({ actions }: { actions: readonly OperatorAction[] }) => {
  const last = actions.at(-1);
  if (last === undefined) return null;
  return (
    <>
      <dt>Last operator action</dt>
      <dd class="last-action">
        {actionLabels[last.action] ?? last.action} by <strong>{last.actor}</strong>, {fmtTime(last.at)}
        {last.reason === undefined ? '' : `: “${last.reason}”`}
        {actions.length > 1 && <span class="muted"> ({actions.length} in the Operator history tab)</span>}
      </dd>
    </>
  );
};
