import { ValidationError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../engine/execution.ts';
import { parseSearch, parseTaskSearch } from './searchQuery.ts';

const page = { start: 0, size: 15 };

describe("Conductor's search query, the subset its UI sends", () => {
  it('turns IN, =, > and < terms joined by AND into one filter, numbers for times', () => {
    const parsed = parseSearch({
      ...page,
      query: 'workflowType IN (a,b) AND workflowId="x" AND status IN (RUNNING,FAILED) AND startTime>100 AND startTime<200',
    });
    expect(parsed.filter).toEqual({
      $and: [
        { workflowType: { $in: ['a', 'b'] } },
        { workflowId: 'x' },
        { status: { $in: ['RUNNING', 'FAILED'] } },
        { startTime: { $gt: 100 } },
        { startTime: { $lt: 200 } },
      ],
    });
  });

  it('matches everything for an empty query and freeText *, and sorts by field:DESC', () => {
    expect(parseSearch({ ...page, query: '', freeText: '*', sort: 'startTime:DESC' })).toEqual({
      filter: {},
      sort: [['startTime', -1]],
      ...page,
    });
  });

  it('searches free text in ids, types, correlation ids and reasons, as text (no regex injection)', () => {
    const { filter } = parseSearch({ ...page, freeText: 'a.b*' });
    expect(JSON.stringify(filter)).toContain('a\\\\.b\\\\*');
  });

  it.each(['owner=me', 'startTime>yesterday', 'status ~ RUNNING'])('refuses %s with the reason', (query) => {
    expect(() => parseSearch({ ...page, query })).toThrow(ValidationError);
  });

  it('refuses a sort by an unknown field', () => {
    expect(() => parseSearch({ ...page, sort: 'input:ASC' })).toThrow(/cannot sort by input/);
  });
});

const task = (extra: Partial<TaskRecord>): TaskRecord =>
  ({
    taskId: 't1',
    taskType: 'pay',
    taskDefName: 'pay',
    referenceTaskName: 'pay',
    status: 'FAILED',
    retryCount: 0,
    scheduledTime: 100,
    ...extra,
  }) as TaskRecord;

describe("Conductor's task search query", () => {
  it('sends execution terms to the index and keeps task terms for the tasks read', () => {
    const search = parseTaskSearch({
      ...page,
      query: 'workflowType IN (book) AND taskType=pay AND status IN (FAILED,TIMED_OUT) AND scheduledTime>50',
    });
    expect(search.executions).toEqual({ $and: [{ workflowType: { $in: ['book'] } }] });
    expect(search.matches(task({}))).toBe(true);
    expect(search.matches(task({ status: 'COMPLETED' }))).toBe(false);
    expect(search.matches(task({ taskType: 'hold' }))).toBe(false);
    expect(search.matches(task({ scheduledTime: 10 }))).toBe(false);
  });

  it('takes taskRefName for referenceTaskName, free text over id, type, ref and reason, and a sort by task time', () => {
    const search = parseTaskSearch({ ...page, query: 'taskRefName=pay', freeText: 'DECLINED', sort: 'updateTime:DESC' });
    expect(search.matches(task({ reasonForIncompletion: 'card declined' }))).toBe(true);
    expect(search.matches(task({ reasonForIncompletion: 'gateway down' }))).toBe(false);
    expect(search.sort).toEqual([['updateTime', -1]]);
    expect(search.executions).toEqual({});
  });

  it('refuses a field tasks do not have, and a sort by one', () => {
    expect(() => parseTaskSearch({ ...page, query: 'version=1' })).toThrow(ValidationError);
    expect(() => parseTaskSearch({ ...page, sort: 'outputData' })).toThrow(/cannot sort by outputData/);
  });
});
