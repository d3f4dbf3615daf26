import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { call, enc, type WorkflowSummary } from '../api.ts';
import { fmtDuration, fmtTime, shortReason, toMs } from '../format.ts';
import { Status } from '../status.tsx';
import { ErrorNote, useEventStream, useLoad } from '../ui.tsx';
import { BulkDialog, bulkVerbs, type BulkVerb } from './BulkActions.tsx';
import { activeFilters, describeFilters, FilterForm } from './FilterForm.tsx';
import { columns, matches, pageSize, serverSorts, shortId, toFilters, toQuery, toSearch, type Filters } from './executionFilters.ts';

export const ExecutionsPage = () => {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => toFilters(search), [search]);
  // the execution page removed one and came back here
  const removed = new URLSearchParams(search).get('removed');
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
  const [filtersOpen, setFiltersOpen] = useState(false);
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
      {removed !== null && (
        <p class="note ok" role="status">
          <span aria-hidden="true">✓ </span>
          Removed <code>{removed}</code>: it is gone from this list and search; its history stays in the coordinator's event store.
        </p>
      )}
      {/* on a phone the form folds behind this button; on a wider screen the button is hidden and the form always shown */}
      <button
        type="button"
        class="filters-toggle"
        aria-expanded={filtersOpen}
        aria-controls="execution-filters"
        onClick={() => setFiltersOpen(!filtersOpen)}
      >
        <span aria-hidden="true">{filtersOpen ? '▾' : '▸'}</span> Filters
        {activeFilters(filters) > 0 && <span class="badge tone-running">{activeFilters(filters)} active</span>}
      </button>
      {!filtersOpen && activeFilters(filters) > 0 && <p class="filters-summary muted">{describeFilters(filters)}</p>}
      <FilterForm
        key={search}
        filters={filters}
        names={names}
        open={filtersOpen}
        onApply={(next) => {
          setFiltersOpen(false);
          apply(next);
        }}
      />
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
