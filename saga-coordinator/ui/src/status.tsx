/** Statuses: each has a colour, an icon and a word, so colour is never the only cue (WCAG 1.4.1). */
type Look = { readonly tone: string; readonly icon: string; readonly label: string };

const looks: Record<string, Look> = {
  RUNNING: { tone: 'running', icon: '▶', label: 'running' },
  IN_PROGRESS: { tone: 'running', icon: '▶', label: 'in progress' },
  SCHEDULED: { tone: 'waiting', icon: '◷', label: 'scheduled' },
  PAUSED: { tone: 'paused', icon: '❚❚', label: 'paused' },
  COMPLETED: { tone: 'ok', icon: '✓', label: 'completed' },
  COMPLETED_WITH_ERRORS: { tone: 'warn', icon: '✓!', label: 'completed with errors' },
  SKIPPED: { tone: 'skipped', icon: '↷', label: 'skipped' },
  FAILED: { tone: 'failed', icon: '✕', label: 'failed' },
  FAILED_WITH_TERMINAL_ERROR: { tone: 'failed', icon: '✕', label: 'failed (terminal)' },
  TIMED_OUT: { tone: 'failed', icon: '◔', label: 'timed out' },
  TERMINATED: { tone: 'ended', icon: '■', label: 'terminated' },
  CANCELED: { tone: 'ended', icon: '⊘', label: 'canceled' },
  COMPENSATING: { tone: 'comp', icon: '↺', label: 'compensating' },
  COMPENSATED: { tone: 'comp', icon: '↺✓', label: 'compensated' },
  COMPENSATION_FAILED: { tone: 'failed', icon: '↺✕', label: 'compensation failed' },
  NOT_RUN: { tone: 'none', icon: '○', label: 'not run' },
};

export const lookOf = (status: string): Look => looks[status] ?? { tone: 'none', icon: '?', label: status.toLowerCase() };

export const workflowStatuses = ['RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'] as const;

export const Status = ({ status, compensation }: { status: string; compensation?: string | undefined }) => {
  const look = lookOf(status);
  const comp = compensation === undefined ? undefined : lookOf(compensation);
  return (
    <span class="status-group">
      <span class={`badge tone-${look.tone}`} data-status={status}>
        <span aria-hidden="true">{look.icon}</span> {look.label}
      </span>
      {comp !== undefined && (
        <span class={`badge tone-${comp.tone}`} data-status={compensation}>
          <span aria-hidden="true">{comp.icon}</span> {comp.label}
        </span>
      )}
    </span>
  );
};

export const Legend = () => (
  <ul class="legend" aria-label="Legend of task statuses">
    {['COMPLETED', 'IN_PROGRESS', 'SCHEDULED', 'FAILED', 'TIMED_OUT', 'CANCELED', 'SKIPPED', 'COMPENSATED', 'NOT_RUN'].map((s) => (
      <li key={s}>
        <Status status={s} />
      </li>
    ))}
  </ul>
);
