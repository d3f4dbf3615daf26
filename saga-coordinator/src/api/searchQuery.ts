import { ValidationError } from '@waggle/errors';
import type { Filter } from 'mongodb';
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

const valueOf = (field: string, text: string): string | number => {
  const value = unquote(text);
  if (!numeric.has(field)) return value;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new ValidationError(`${field} takes a number (epoch ms), not ${value}`, [{ path: '/query/query', message: `bad ${field}` }]);
  return number;
};

/**
 * Conductor's search query, the subset its UI sends: terms `field=value`, `field!=value`, `field>n`, `field<n`,
 * `field IN (a,b)` joined by AND, over workflowType, workflowId, status, correlationId, startTime, endTime, updateTime,
 * parentWorkflowId and version. `freeText` `*` (or nothing) matches all; other text matches id, type, correlation id or
 * reason. `sort` is `field[:ASC|DESC]`.
 */
export const parseSearch = (options: { query?: string; freeText?: string; sort?: string; start: number; size: number }): SummaryQuery => {
  const and: Filter<ExecutionSummary>[] = [];
  const query = (options.query ?? '').trim();
  for (const term of query === '' ? [] : query.split(/\s+AND\s+/i)) {
    const match = /^\s*([A-Za-z]+)\s*(IN|!=|=|>|<)\s*(.+?)\s*$/i.exec(term);
    const field = match?.[1];
    if (match === null || field === undefined || !fields.has(field)) {
      throw new ValidationError(`cannot search by "${term}"`, [
        { path: '/query/query', message: `unknown term ${term}; fields: ${[...fields].join(', ')}` },
      ]);
    }
    const op = (match[2] ?? '').toUpperCase();
    const raw = match[3] ?? '';
    if (op === 'IN')
      and.push({
        [field]: {
          $in: raw
            .replace(/^\(|\)$/g, '')
            .split(',')
            .map((v) => valueOf(field, v)),
        },
      });
    else if (op === '=') and.push({ [field]: valueOf(field, raw) });
    else if (op === '!=') and.push({ [field]: { $ne: valueOf(field, raw) } });
    else and.push({ [field]: { [op === '>' ? '$gt' : '$lt']: valueOf(field, raw) } });
  }
  const text = (options.freeText ?? '').trim();
  if (text !== '' && text !== '*') {
    const pattern = { $regex: escape(text), $options: 'i' };
    and.push({ $or: [{ workflowId: pattern }, { workflowType: pattern }, { correlationId: pattern }, { reasonForIncompletion: pattern }] });
  }
  const sort = (options.sort ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s): [string, 1 | -1] => {
      const [field = '', order = 'ASC'] = s.trim().split(':');
      if (!fields.has(field))
        throw new ValidationError(`cannot sort by ${field}`, [{ path: '/query/sort', message: `unknown field ${field}` }]);
      return [field, order.toUpperCase() === 'DESC' ? -1 : 1];
    });
  return { filter: and.length === 0 ? {} : { $and: and }, sort, start: options.start, size: options.size };
};
