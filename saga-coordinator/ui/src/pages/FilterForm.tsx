/** The executions page's filter form, and what it says of the filters in use (the phone's folded summary). */
import { useState } from 'preact/hooks';
import { workflowStatuses } from '../status.tsx';
import { toFilters, type Filters } from './executionFilters.ts';

/** How many filters are in use (the workflows and statuses count as one each), as the phone's Filters button says. */
export const activeFilters = (filters: Filters): number =>
  [filters.names.length > 0, filters.statuses.length > 0, filters.id, filters.correlationId, filters.from, filters.to, filters.text].filter(
    (active) => active !== false && active !== '',
  ).length;

/** The filters in use, in a line (what a folded form hides). */
export const describeFilters = (filters: Filters): string =>
  [
    filters.names.join(', '),
    filters.statuses.map((status) => status.toLowerCase()).join(', '),
    filters.id === '' ? '' : `id ${filters.id}`,
    filters.correlationId === '' ? '' : `correlation id ${filters.correlationId}`,
    filters.from === '' ? '' : `after ${filters.from.replace('T', ' ')}`,
    filters.to === '' ? '' : `before ${filters.to.replace('T', ' ')}`,
    filters.text === '' ? '' : `“${filters.text}”`,
  ]
    .filter((part) => part !== '')
    .join(' · ');

export const FilterForm = ({
  filters,
  names,
  onApply,
  open,
}: {
  filters: Filters;
  names: readonly string[];
  onApply: (f: Filters) => void;
  open: boolean;
}) => {
  const [draft, setDraft] = useState(filters);
  const set = (patch: Partial<Filters>) => setDraft((d) => ({ ...d, ...patch }));
  const toggle = (list: readonly string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  return (
    <form
      id="execution-filters"
      class={`filters ${open ? 'open' : ''}`}
      aria-label="Filter executions"
      onSubmit={(event) => {
        event.preventDefault();
        onApply({ ...draft, page: 1 });
      }}
    >
      <fieldset>
        <legend>Workflow</legend>
        <div class="checks">
          {names.length === 0 && <span class="muted">no definitions yet</span>}
          {names.map((name) => (
            <label key={name}>
              <input
                type="checkbox"
                name="name"
                value={name}
                checked={draft.names.includes(name)}
                onChange={() => set({ names: toggle(draft.names, name) })}
              />{' '}
              {name}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Status</legend>
        <div class="checks">
          {workflowStatuses.map((status) => (
            <label key={status}>
              <input
                type="checkbox"
                name="status"
                value={status}
                checked={draft.statuses.includes(status)}
                onChange={() => set({ statuses: toggle(draft.statuses, status) })}
              />{' '}
              {status}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="fields">
        <label>
          Execution id
          <input name="id" value={draft.id} onInput={(e) => set({ id: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Correlation id / business key
          <input
            name="correlationId"
            value={draft.correlationId}
            onInput={(e) => set({ correlationId: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Started after
          <input
            type="datetime-local"
            name="from"
            value={draft.from}
            onInput={(e) => set({ from: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          Started before
          <input type="datetime-local" name="to" value={draft.to} onInput={(e) => set({ to: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Free text
          <input
            type="search"
            name="q"
            value={draft.text}
            placeholder="id, workflow, correlation id, reason"
            onInput={(e) => set({ text: (e.target as HTMLInputElement).value })}
          />
        </label>
      </div>
      <div class="buttons">
        <button type="submit" class="primary">
          Search
        </button>
        <button
          type="button"
          onClick={() => {
            const cleared = toFilters('');
            setDraft(cleared);
            onApply(cleared);
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
};
