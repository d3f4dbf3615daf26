import { ValidationError } from '@waggle/errors';
import type { Filter } from 'mongodb';
import type { TaskRecord } from '../engine/execution.ts';
import type { ExecutionSummary, SummaryQuery } from '../service/executionIndex.ts';

const fields = new Set([
  'workflowType',
  'workflowId',
  'status',
  'correlationId',
  'startTime',
  'endTime',
  'updateTime',
  'parentWorkflowId',
  'version',
]);
const numeric = new Set(['startTime', 'endTime', 'updateTime', 'version']);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const unquote = (text: string): string => text.trim().replace(/^["']|["']$/g, '');

const valueOf = (field: string, text: string, numericFields: ReadonlySet<string>): string | number => {
  const value = unquote(text);
  if (!numericFields.has(field)) return value;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new ValidationError(`${field} takes a number (epoch ms), not ${value}`, [{ path: '/query/query', message: `bad ${field}` }]);
  return number;
};

type Term = { readonly field: string; readonly op: 'IN' | '!=' | '=' | '>' | '<'; readonly values: readonly (string | number)[] };

/** The terms of a query: `field op value` joined by AND, each field one of `known`. */
const parseTerms = (text: string | undefined, known: ReadonlySet<string>, numericFields: ReadonlySet<string>): Term[] => {
  const query = (text ?? '').trim();
  return (query === '' ? [] : query.split(/\s+AND\s+/i)).map((term) => {
    const match = /^\s*([A-Za-z]+)\s*(IN|!=|=|>|<)\s*(.+?)\s*$/i.exec(term);
    const field = match?.[1];
    if (match === null || field === undefined || !known.has(field)) {
      throw new ValidationError(`cannot search by "${term}"`, [
        { path: '/query/query', message: `unknown term ${term}; fields: ${[...known].join(', ')}` },
      ]);
    }
    const op = (match[2] ?? '').toUpperCase() as Term['op'];
    const raw = match[3] ?? '';
    const values = op === 'IN' ? raw.replace(/^\(|\)$/g, '').split(',') : [raw];
    return { field, op, values: values.map((value) => valueOf(field, value, numericFields)) };
  });
};

const toMongo = ({ field, op, values }: Term): Filter<ExecutionSummary> => {
  if (op === 'IN') return { [field]: { $in: values } };
  if (op === '=') return { [field]: values[0] };
  if (op === '!=') return { [field]: { $ne: values[0] } };
  return { [field]: { [op === '>' ? '$gt' : '$lt']: values[0] } };
};

const parseSort = <F extends string>(text: string | undefined, known: ReadonlySet<string>): [F, 1 | -1][] =>
  (text ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s): [F, 1 | -1] => {
      const [field = '', order = 'ASC'] = s.trim().split(':');
      if (!known.has(field))
        throw new ValidationError(`cannot sort by ${field}`, [{ path: '/query/sort', message: `unknown field ${field}` }]);
      return [field as F, order.toUpperCase() === 'DESC' ? -1 : 1];
    });

type SearchOptions = { query?: string; freeText?: string; sort?: string; start: number; size: number };

/**
 * Conductor's search query, the subset its UI sends: terms `field=value`, `field!=value`, `field>n`, `field<n`,
 * `field IN (a,b)` joined by AND, over workflowType, workflowId, status, correlationId, startTime, endTime, updateTime,
 * parentWorkflowId and version. `freeText` `*` (or nothing) matches all; other text matches id, type, correlation id or
 * reason. `sort` is `field[:ASC|DESC]`.
 */
export const parseSearch = (options: SearchOptions): SummaryQuery => {
  const and: Filter<ExecutionSummary>[] = parseTerms(options.query, fields, numeric).map(toMongo);
  const text = (options.freeText ?? '').trim();
  if (text !== '' && text !== '*') {
    const pattern = { $regex: escape(text), $options: 'i' };
    and.push({ $or: [{ workflowId: pattern }, { workflowType: pattern }, { correlationId: pattern }, { reasonForIncompletion: pattern }] });
  }
  return { filter: and.length === 0 ? {} : { $and: and }, sort: parseSort(options.sort, fields), start: options.start, size: options.size };
};

const executionFields = new Set(['workflowType', 'workflowId', 'correlationId']);
const taskTimes = ['scheduledTime', 'startTime', 'endTime', 'updateTime'] as const;
const taskFields = new Set([
  'taskType',
  'taskDefName',
  'taskId',
  'referenceTaskName',
  'taskRefName',
  'status',
  'workerId',
  'retryCount',
  ...taskTimes,
]);
const taskNumeric = new Set(['retryCount', ...taskTimes]);
type TaskSortField = (typeof taskTimes)[number] | 'retryCount' | 'status' | 'taskType' | 'taskDefName' | 'seq';
const taskSortFields = new Set<string>([...taskTimes, 'retryCount', 'status', 'taskType', 'taskDefName', 'seq']);

/** A task search: which executions to read, which of their tasks match, in what order, which page. */
export type TaskSearch = {
  readonly executions: Filter<ExecutionSummary>;
  readonly matches: (task: TaskRecord) => boolean;
  readonly sort: readonly [TaskSortField, 1 | -1][];
  readonly start: number;
  readonly size: number;
};

const fieldOf = (task: TaskRecord, field: string): string | number | undefined =>
  field === 'taskRefName' ? task.referenceTaskName : (task[field as keyof TaskRecord] as string | number | undefined);

const holds = (value: string | number | undefined, { op, values }: Term): boolean => {
  if (op === 'IN') return values.includes(value as string | number);
  if (op === '=') return value === values[0];
  if (op === '!=') return value !== values[0];
  if (value === undefined) return false;
  return op === '>' ? value > values[0]! : value < values[0]!;
};

/**
 * Conductor's task search query: the same grammar over task fields (taskType, taskDefName, taskId, referenceTaskName or
 * taskRefName, status, workerId, retryCount, scheduledTime, startTime, endTime, updateTime); workflowType, workflowId
 * and correlationId choose the executions read. `freeText` matches task id, type, reference or reason.
 */
export const parseTaskSearch = (options: SearchOptions): TaskSearch => {
  const terms = parseTerms(options.query, new Set([...executionFields, ...taskFields]), taskNumeric);
  const onExecutions = terms.filter((term) => executionFields.has(term.field)).map(toMongo);
  const onTasks = terms.filter((term) => !executionFields.has(term.field));
  const text = (options.freeText ?? '').trim().toLowerCase();
  const matchesText = (task: TaskRecord): boolean =>
    text === '' ||
    text === '*' ||
    [task.taskId, task.taskType, task.referenceTaskName, task.reasonForIncompletion ?? ''].some((field) =>
      field.toLowerCase().includes(text),
    );
  return {
    executions: onExecutions.length === 0 ? {} : { $and: onExecutions },
    matches: (task) => matchesText(task) && onTasks.every((term) => holds(fieldOf(task, term.field), term)),
    sort: parseSort<TaskSortField>(options.sort, taskSortFields),
    start: options.start,
    size: options.size,
  };
};
