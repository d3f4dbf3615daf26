import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { call, enc, type BulkResponse, type WorkflowSummary } from '../api.ts';
import { fmtDuration, fmtTime, shortReason, toMs } from '../format.ts';
import { Status, workflowStatuses } from '../status.tsx';
import { Dialog, ErrorNote, useEventStream, useLoad } from '../ui.tsx';

const pageSize = 25;

/** The list's filters, as the URL holds them: a link reproduces the view. */
type Filters = {
  readonly names: readonly string[];
  readonly statuses: readonly string[];
  readonly id: string;
  readonly correlationId: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly sort: string;
  readonly page: number;
};

const toFilters = (search: string): Filters => {
  const params = new URLSearchParams(search);
  return {
    names: params.getAll('name'),
    statuses: params.getAll('status'),
    id: params.get('id') ?? '',
    correlationId: params.get('correlationId') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    text: params.get('q') ?? '',
    sort: params.get('sort') ?? 'startTime:DESC',
    page: Math.max(1, Number(params.get('page') ?? '1') || 1),
  };
};

const toSearch = (filters: Filters): string => {
  const params = new URLSearchParams();
  for (const name of filters.names) params.append('name', name);
  for (const status of filters.statuses) params.append('status', status);
  if (filters.id !== '') params.set('id', filters.id);
  if (filters.correlationId !== '') params.set('correlationId', filters.correlationId);
  if (filters.from !== '') params.set('from', filters.from);
  if (filters.to !== '') params.set('to', filters.to);
  if (filters.text !== '') params.set('q', filters.text);
  if (filters.sort !== 'startTime:DESC') params.set('sort', filters.sort);
  if (filters.page > 1) params.set('page', String(filters.page));
  return params.toString();
};

/** A long id cut to what tells executions apart on a screen (the whole one is in the link's name and the tooltip). */
const shortId = (id: string): string => {
  const [head = '', ...rest] = id.split(':');
  return `${head.length > 14 ? `${head.slice(0, 8)}…` : head}${rest.map((part) => `:${part}`).join('')}`;
};

const quote = (text: string): string => `"${text.replace(/"/g, '')}"`;

/** Conductor's search query for the filters, as its own UI sends it. */
const toQuery = (filters: Filters): string => {
  const terms: string[] = [];
  if (filters.names.length > 0) terms.push(`workflowType IN (${filters.names.join(',')})`);
  if (filters.statuses.length > 0) terms.push(`status IN (${filters.statuses.join(',')})`);
  if (filters.id !== '') terms.push(`workflowId=${quote(filters.id.trim())}`);
  if (filters.correlationId !== '') terms.push(`correlationId=${quote(filters.correlationId.trim())}`);
  const from = toMs(filters.from);
  const to = toMs(filters.to);
  if (from !== undefined) terms.push(`startTime>${from}`);
  if (to !== undefined) terms.push(`startTime<${to}`);
  return terms.join(' AND ');
};

/** Columns the server sorts by; the others sort the page in hand. */
const serverSorts = new Set(['startTime', 'endTime', 'status', 'workflowType']);
type Column = { readonly key: string; readonly label: string; readonly value: (row: WorkflowSummary) => string | number };
const columns: readonly Column[] = [
  { key: 'workflowType', label: 'Workflow', value: (r) => r.workflowType },
  { key: 'startTime', label: 'Started', value: (r) => toMs(r.startTime) ?? 0 },
  { key: 'status', label: 'Status', value: (r) => r.status },
  { key: 'endTime', label: 'Ended', value: (r) => toMs(r.endTime) ?? 0 },
  { key: 'duration', label: 'Duration', value: (r) => r.executionTime ?? Date.now() - (toMs(r.startTime) ?? Date.now()) },
  { key: 'failed', label: 'Failed step', value: (r) => r.failedReferenceTaskNames ?? '' },
  { key: 'reason', label: 'Reason', value: (r) => r.reasonForIncompletion ?? '' },
];

const within = (at: number | undefined, from: number | undefined, to: number | undefined): boolean =>
  at !== undefined && (from === undefined || at > from) && (to === undefined || at < to);

/** Whether a row the live feed brought in belongs to the view (as the search would have said). */
const matches = (filters: Filters, row: WorkflowSummary): boolean =>
  (filters.names.length === 0 || filters.names.includes(row.workflowType)) &&
  (filters.statuses.length === 0 || filters.statuses.includes(row.status)) &&
  (filters.id === '' || row.workflowId === filters.id) &&
  (filters.correlationId === '' || row.correlationId === filters.correlationId) &&
  within(toMs(row.startTime), toMs(filters.from), toMs(filters.to)) &&
  (filters.text === '' ||
    [row.workflowId, row.workflowType, row.correlationId ?? '', row.reasonForIncompletion ?? ''].some((t) =>
      t.toLowerCase().includes(filters.text.toLowerCase()),
    ));

type BulkVerb = 'pause' | 'resume' | 'retry' | 'restart' | 'terminate' | 'compensate';
const bulkVerbs: Record<BulkVerb, { label: string; says: string; method: string; path: string }> = {
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

const FilterForm = ({ filters, names, onApply }: { filters: Filters; names: readonly string[]; onApply: (f: Filters) => void }) => {
  const [draft, setDraft] = useState(filters);
  const set = (patch: Partial<Filters>) => setDraft((d) => ({ ...d, ...patch }));
  const toggle = (list: readonly string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  return (
    <form
      class="filters"
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

export const ExecutionsPage = () => {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => toFilters(search), [search]);
  const apply = (next: Filters) => navigate(`/?${toSearch(next)}`);
  const [definitions] = useLoad(() => call<{ name: string }[]>('/api/metadata/workflow/latest-versions'), []);
  const names = definitions.value?.map((d) => d.name).sort() ?? [];
  const [sortField = 'startTime', sortDir = 'DESC'] = filters.sort.split(':');
  const serverSort = serverSorts.has(sortField) ? filters.sort : 'startTime:DESC';
  const [list, reload] = useLoad(async () => {
    const params = new URLSearchParams({
      start: String((filters.page - 1) * pageSize),
      size: String(pageSize),
      sort: serverSort,
      freeText: filters.text || '*',
    });
    const query = toQuery(filters);
    if (query !== '') params.set('query', query);
    return call<{ totalHits: number; results: WorkflowSummary[] }>(`/api/workflow/search?${params.toString()}`);
  }, [search]);
  const [updates, setUpdates] = useState<Record<string, WorkflowSummary>>({});
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const connected = useEventStream('/api/waggle/stream/executions', 'execution', (data) => {
    const row = data as WorkflowSummary;
    setUpdates((u) => ({ ...u, [row.workflowId]: row }));
    // new = started after the newest row in view (by the coordinator's clock, not the browser's) and in the view's filters
    const shown = list.value?.results ?? [];
    const newestShown = Math.max(-Infinity, ...shown.map((r) => toMs(r.startTime) ?? 0));
    const started = toMs(row.startTime) ?? 0;
    if (started > newestShown && matches(filters, row) && !shown.some((r) => r.workflowId === row.workflowId))
      setFresh((f) => new Set([...f, row.workflowId]));
  });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // another view: what was new or selected in the last one is not this one's
  useEffect(() => {
    setFresh(new Set());
    setSelected(new Set());
  }, [search]);
  const [bulk, setBulk] = useState<BulkVerb | undefined>();
  const [results, setResults] = useState<Record<string, { ok: boolean; message: string }>>({});

  const rows = useMemo(() => {
    const base = (list.value?.results ?? []).map((row) => updates[row.workflowId] ?? row);
    if (serverSorts.has(sortField)) return base;
    const column = columns.find((c) => c.key === sortField);
    if (column === undefined) return base;
    const sign = sortDir === 'ASC' ? 1 : -1;
    return [...base].sort((a, b) => (column.value(a) > column.value(b) ? sign : column.value(a) < column.value(b) ? -sign : 0));
  }, [list.value, updates, sortField, sortDir]);

  const hasResults = Object.keys(results).length > 0;
  const total = list.value?.totalHits ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const sortBy = (key: string) =>
    apply({ ...filters, sort: `${key}:${sortField === key && sortDir === 'DESC' ? 'ASC' : 'DESC'}`, page: 1 });
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.workflowId));

  return (
    <section aria-labelledby="executions-title">
      <h1 id="executions-title">Executions</h1>
      <FilterForm key={search} filters={filters} names={names} onApply={apply} />
      <div class="live-bar" aria-live="polite">
        <span class={`live-dot ${connected ? 'on' : ''}`} aria-hidden="true" />
        <span class="muted">
          {connected
            ? 'Live: status changes appear as they happen'
            : `Live updates not connected (${location.origin}/api/waggle/stream/executions): retrying…`}
        </span>
        {fresh.size > 0 && (
          <button
            type="button"
            class="new-count"
            onClick={() => {
              setFresh(new Set());
              if (filters.page !== 1 || filters.sort !== 'startTime:DESC') apply({ ...filters, page: 1, sort: 'startTime:DESC' });
              else reload();
            }}
          >
            {fresh.size} new — show
          </button>
        )}
      </div>
      <div class="bulk-bar" role="toolbar" aria-label="Actions on selected executions">
        <span>{selected.size} selected</span>
        {(Object.keys(bulkVerbs) as BulkVerb[]).map((verb) => (
          <button key={verb} type="button" disabled={selected.size === 0} onClick={() => setBulk(verb)}>
            {bulkVerbs[verb].label}
          </button>
        ))}
      </div>
      {list.state === 'error' && <ErrorNote error={list.error} what="Searching executions" />}
      {list.state === 'ok' && total === 0 && (
        <div class="note empty">
          {toQuery(filters) === '' && filters.text === '' ? (
            <>
              <strong>No executions yet.</strong> Start one from <Link href="/definitions">Definitions</Link> (pick a workflow, fill in its
              input, Start), or through the coordinator's REST API (it appears here live):
              <code>
                curl -X POST {location.origin}/api/workflow -H 'content-type: application/json' -d '
                {JSON.stringify({ name: names[0] ?? 'my-workflow', input: {} })}'
              </code>
              or with the CLI:{' '}
              <code>
                waggle saga start {names[0] ?? 'my-workflow'} --input '{'{}'}'
              </code>
              {names.length === 0 && (
                <>
                  No workflow is defined yet either: register one with <code>waggle workflows register my-workflow.json</code> (or{' '}
                  <code>POST /api/metadata/workflow</code>).
                </>
              )}
            </>
          ) : (
            <>
              <strong>No execution matches these filters.</strong> Widen the time range or clear filters.
            </>
          )}
        </div>
      )}
      <div class={`table-wrap ${total === 0 ? 'hidden' : ''}`} tabIndex={0} role="region" aria-label="Executions table (scrolls sideways)">
        <table class="executions" aria-describedby="executions-title" aria-busy={list.state === 'loading'}>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.workflowId)))}
                />
              </th>
              {columns.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  aria-sort={sortField === column.key ? (sortDir === 'ASC' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    class="sort"
                    onClick={() => sortBy(column.key)}
                    title={serverSorts.has(column.key) ? 'Sort all results' : 'Sort this page'}
                  >
                    {column.label}
                    <span aria-hidden="true">{sortField === column.key ? (sortDir === 'ASC' ? ' ▲' : ' ▼') : ' ↕'}</span>
                  </button>
                </th>
              ))}
              <th scope="col">Correlation id</th>
              {hasResults && <th scope="col">Result</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const result = results[row.workflowId];
              return (
                <tr key={row.workflowId} data-id={row.workflowId}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${row.workflowId}`}
                      checked={selected.has(row.workflowId)}
                      onChange={() =>
                        setSelected((s) => {
                          const next = new Set(s);
                          if (next.has(row.workflowId)) next.delete(row.workflowId);
                          else next.add(row.workflowId);
                          return next;
                        })
                      }
                    />
                  </td>
                  <td>
                    <Link href={`/execution/${enc(row.workflowId)}`} aria-label={`${row.workflowType} execution ${row.workflowId}`}>
                      {row.workflowType}
                    </Link>{' '}
                    <span class="muted">v{row.version}</span>
                    <div class="mono muted short-id" title={row.workflowId}>
                      {shortId(row.workflowId)}
                    </div>
                  </td>
                  <td class="nowrap" data-label="Started">
                    {fmtTime(row.startTime)}
                  </td>
                  <td data-label="Status">
                    <Status status={row.status} compensation={row.compensationStatus} />
                  </td>
                  <td class="nowrap" data-label="Ended">
                    {fmtTime(row.endTime)}
                  </td>
                  <td class="nowrap" data-label="Duration">
                    {fmtDuration(
                      row.executionTime ?? (row.endTime === undefined ? Date.now() - (toMs(row.startTime) ?? Date.now()) : undefined),
                    )}
                  </td>
                  <td class="mono" data-label="Failed step">
                    {row.failedReferenceTaskNames || '—'}
                  </td>
                  <td class="reason" data-label="Reason">
                    {row.reasonForIncompletion === undefined ? (
                      '—'
                    ) : (
                      <span class="clamp" title={row.reasonForIncompletion}>
                        {shortReason(row.reasonForIncompletion)}
                      </span>
                    )}
                  </td>
                  <td class="mono" data-label="Correlation id">
                    {row.correlationId === undefined ? (
                      '—'
                    ) : (
                      <Link href={`/?correlationId=${enc(row.correlationId)}`}>{row.correlationId}</Link>
                    )}
                  </td>
                  {hasResults && (
                    <td class="result" data-label="Result">
                      {result === undefined ? (
                        ''
                      ) : (
                        <span class={result.ok ? 'ok' : 'bad'}>{result.ok ? '✓ done' : `✕ ${result.message}`}</span>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={filters.page <= 1} onClick={() => apply({ ...filters, page: filters.page - 1 })}>
          ← Newer
        </button>
        <span>
          {total === 0 ? 0 : (filters.page - 1) * pageSize + 1}–{Math.min(total, filters.page * pageSize)} of {total} · page {filters.page}{' '}
          of {pages}
        </span>
        <button type="button" disabled={filters.page >= pages} onClick={() => apply({ ...filters, page: filters.page + 1 })}>
          Older →
        </button>
      </nav>
      <BulkDialog
        verb={bulk}
        ids={[...selected]}
        onClose={() => setBulk(undefined)}
        onDone={(done) => {
          setResults(done);
          setBulk(undefined);
          // the rows stay where they are (one that no longer matches the filters too, so its result stays in view):
          // each shows its new status, read again here and kept current by the live feed
          for (const id of Object.keys(done))
            call<{ status: string; compensationStatus?: string; endTime?: number; reasonForIncompletion?: string }>(
              `/api/workflow/${enc(id)}?includeTasks=false`,
            ).then(
              (now) =>
                setUpdates((u) => {
                  const row = u[id] ?? list.value?.results.find((r) => r.workflowId === id);
                  if (row === undefined) return u;
                  const { compensationStatus: _c, reasonForIncompletion: _r, ...rest } = row;
                  return {
                    ...u,
                    [id]: {
                      ...rest,
                      status: now.status,
                      ...(now.compensationStatus === undefined ? {} : { compensationStatus: now.compensationStatus }),
                      ...(now.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: now.reasonForIncompletion }),
                      ...(now.endTime === undefined || now.endTime === 0 ? {} : { endTime: new Date(now.endTime).toISOString() }),
                    },
                  };
                }),
              () => undefined, // the row keeps its last known status; its result says what the action did
            );
        }}
      />
    </section>
  );
};

const BulkDialog = ({
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
      if (verb === 'terminate' || verb === 'compensate') {
        if (reason !== '') params.set('reason', reason);
        params.set('compensate', String(verb === 'compensate'));
      }
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
      {(verb === 'terminate' || verb === 'compensate') && (
        <label>
          Reason (kept as each execution's reason for incompletion)
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
