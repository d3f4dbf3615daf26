import { describe, expect, it } from 'vitest';
import { readPath, resolveParameters, resolveString, resolveValue } from './resolveParameters.ts';

const context = {
  workflow: { input: { x: 1, name: 'ann', list: [{ status: 'A' }, { status: 'B' }], nothing: null }, variables: { v: 'var' } },
  t1: { output: { y: { z: [10, 20] }, op: 'done' }, input: {} },
  CPEWF_TASK_ID: 'task-7',
};

describe('an expression that is the whole string', () => {
  it('gives the typed value', () => {
    expect(resolveString('${workflow.input.x}', context)).toBe(1);
    expect(resolveString('${t1.output.y}', context)).toEqual({ z: [10, 20] });
    expect(resolveString('${t1.output.y.z[1]}', context)).toBe(20);
    expect(resolveString("${t1.output['op']}", context)).toBe('done');
    expect(resolveString('${workflow.variables.v}', context)).toBe('var');
    expect(resolveString('${CPEWF_TASK_ID}', context)).toBe('task-7');
  });

  it('gives null for a missing path, a missing ref and a null value', () => {
    expect(resolveString('${workflow.input.missing}', context)).toBeNull();
    expect(resolveString('${nope.output.a.b}', context)).toBeNull();
    expect(resolveString('${t1.output.y.z[9]}', context)).toBeNull();
    expect(resolveString('${workflow.input.nothing}', context)).toBeNull();
  });

  it('reads JSONPath deep scans and filters as lists', () => {
    expect(readPath(context, 'workflow.input.list..status')).toEqual(['A', 'B']);
    expect(resolveString("${workflow.input.list[?(@.status=='B')].status}", context)).toEqual(['B']);
  });
});

describe('expressions inside text', () => {
  it('are stringified, null as "null"', () => {
    expect(resolveString('hi ${workflow.input.name}, ${workflow.input.missing}!', context)).toBe('hi ann, null!');
    expect(resolveString('y=${t1.output.y}', context)).toBe('y={"z":[10,20]}');
  });

  it('resolve a nested expression first, and $${ is a literal', () => {
    expect(resolveString('${t1.output.${workflow.input.key}}', { ...context, workflow: { input: { key: 'op' } } })).toBe('done');
    expect(resolveString('$${workflow.input.x}', context)).toBe('${workflow.input.x}');
  });
});

describe('nested parameters', () => {
  it('resolve every string in objects and arrays and keep other values', () => {
    expect(resolveValue({ a: ['${workflow.input.x}', { b: '${t1.output.op}' }], n: 3, s: 'workflow.input.x', z: null }, context)).toEqual({
      a: [1, { b: 'done' }],
      n: 3,
      s: 'workflow.input.x',
      z: null,
    });
  });

  it("take the task def's inputTemplate for keys that resolve to null", () => {
    expect(resolveParameters({ a: '${workflow.input.missing}', b: 2 }, context, { a: 'default', c: 'extra' })).toEqual({
      a: 'default',
      b: 2,
      c: 'extra',
    });
  });
});
