import { describe, expect, it } from 'vitest';
import { parseJsonLines, parseJsonRecord } from './parseJsonLines.ts';

describe('JSON Lines input', () => {
  it('reads one object per line, numbering lines as an editor does, blank lines included', () => {
    const { records, problems } = parseJsonLines('{"a":1}\n\n  \r\n{"b":2}\r\n');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, data: { a: 1 } },
      { line: 4, data: { b: 2 } },
    ]);
  });

  it('reports every bad line with its number, not only the first', () => {
    const { records, problems } = parseJsonLines('{"a":1}\n{"a":\n[1]\n"text"\nnull\n{"b":2}');
    expect(records.map((r) => r.line)).toEqual([1, 6]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(problems[0]?.message).toMatch(/^not valid JSON: /);
    expect(problems.slice(1).map((p) => p.message)).toEqual([
      'expected a JSON object, got an array',
      'expected a JSON object, got a string',
      'expected a JSON object, got null',
    ]);
  });

  it('ignores a byte order mark', () => {
    expect(parseJsonLines('\uFEFF{"a":1}').records).toEqual([{ line: 1, data: { a: 1 } }]);
  });

  it('reads an empty file as no records', () => {
    expect(parseJsonLines('')).toEqual({ records: [], problems: [] });
  });
});

describe('a single JSON record (--data)', () => {
  it('may span lines', () => {
    expect(parseJsonRecord('{\n  "a": 1\n}', 1)).toEqual({ line: 1, data: { a: 1 } });
  });

  it('is a problem when it is not an object', () => {
    expect(parseJsonRecord('42', 1)).toEqual({ line: 1, message: 'expected a JSON object, got a number' });
  });
});
