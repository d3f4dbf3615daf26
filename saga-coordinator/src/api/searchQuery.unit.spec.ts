import { ValidationError } from '@waggle/errors';
import { describe, expect, it } from 'vitest';
import { parseSearch } from './searchQuery.ts';

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
