import type { WorkflowSummary } from '../api.ts';
import { toMs } from '../format.ts';

/** The executions list's filters as the URL keeps them, and the search query and local match they make. */
export const pageSize = 25;

/** The list's filters, as the URL holds them: a link reproduces the view. */
export type Filters = {
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

export const toFilters = (search: string): Filters => {
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

export const toSearch = (filters: Filters): string => {
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
export const shortId = (id: string): string => {
  const [head = '', ...rest] = id.split(':');
  return `${head.length > 14 ? `${head.slice(0, 8)}…` : head}${rest.map((part) => `:${part}`).join('')}`;
};

const quote = (text: string): string => `"${text.replace(/"/g, '')}"`;

/** Conductor's search query for the filters, as its own UI sends it. */
export const toQuery = (filters: Filters): string => {
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
export const serverSorts = new Set(['startTime', 'endTime', 'status', 'workflowType']);
export type Column = { readonly key: string; readonly label: string; readonly value: (row: WorkflowSummary) => string | number };
export const columns: readonly Column[] = [
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
export const matches = (filters: Filters, row: WorkflowSummary): boolean =>
  (filters.names.length === 0 || filters.names.includes(row.workflowType)) &&
  (filters.statuses.length === 0 || filters.statuses.includes(row.status)) &&
  (filters.id === '' || row.workflowId === filters.id) &&
  (filters.correlationId === '' || row.correlationId === filters.correlationId) &&
  within(toMs(row.startTime), toMs(filters.from), toMs(filters.to)) &&
  (filters.text === '' ||
    [row.workflowId, row.workflowType, row.correlationId ?? '', row.reasonForIncompletion ?? ''].some((t) =>
      t.toLowerCase().includes(filters.text.toLowerCase()),
    ));
