import { describe, expect, it } from 'vitest';
import { formatInputProblem, toJsonPointer } from './formatInputProblem.ts';

describe('a field path', () => {
  it('becomes a JSON Pointer', () => {
    expect(toJsonPointer('seats')).toBe('/seats');
    expect(toJsonPointer('passengers[1].lastName')).toBe('/passengers/1/lastName');
    expect(toJsonPointer('legs[0][2]')).toBe('/legs/0/2');
  });

  it('is empty for the record itself', () => {
    expect(toJsonPointer('')).toBe('');
  });
});

describe('an input problem', () => {
  it('reads like a compiler message: file, line, field, what is wrong', () => {
    expect(formatInputProblem('events.jsonl', { line: 3, path: '/seats', message: 'expected int, got "two"' })).toBe(
      'events.jsonl:3: /seats: expected int, got "two"',
    );
  });

  it('has no field when the line as a whole is wrong', () => {
    expect(formatInputProblem('events.jsonl', { line: 2, message: 'not valid JSON: Unexpected end of JSON input' })).toBe(
      'events.jsonl:2: not valid JSON: Unexpected end of JSON input',
    );
  });

  it('names --data without a line, and the record itself as (root)', () => {
    expect(formatInputProblem('--data', { line: 1, path: '', message: 'expected a record' })).toBe('--data: (root): expected a record');
  });
});
