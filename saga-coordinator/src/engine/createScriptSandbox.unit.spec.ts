import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { toJqProgram } from './toJqProgram.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox({
    scripts: { timeoutMs: 300, memoryBytes: 8 * 1024 * 1024, stackBytes: 256 * 1024 },
    jq: { timeoutMs: 1500, memoryMb: 32 },
  });
});
afterAll(() => sandbox.close());

describe('JavaScript in QuickJS', () => {
  it('gives the completion value of the last statement, as Conductor evaluates a Script', () => {
    expect(
      sandbox.evaluateJavaScript("if ($.loopTask['iteration'] < $.value) { true; } else { false;} ", {
        loopTask: { iteration: 1 },
        value: 2,
      }),
    ).toEqual({ ok: true, value: true });
    expect(sandbox.evaluateJavaScript('$.a > 0', { a: 0 })).toEqual({ ok: true, value: false });
    expect(sandbox.evaluateJavaScript('(function () { return $.x * 2; })()', { x: 21 })).toEqual({ ok: true, value: 42 });
  });

  it('runs a function body with return when asked (LAMBDA)', () => {
    const script = 'if ($.input.a==1){return {testvalue: true}} else{return {testvalue: false}}';
    expect(sandbox.evaluateJavaScript(script, { input: { a: 1 } }, { asFunctionBody: true })).toEqual({
      ok: true,
      value: { testvalue: true },
    });
  });

  it('offers the Java list methods Conductor scripts call on $', () => {
    expect(sandbox.evaluateJavaScript('$.list.get(1) + $.list.size()', { list: [5, 7] })).toEqual({ ok: true, value: 9 });
  });

  it('interrupts a script past its time limit', () => {
    const result = sandbox.evaluateJavaScript('while (true) {}', {});
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.ok ? '' : result.error).toMatch(/not evaluated within/);
  });

  it('stops a script past its memory limit', () => {
    // out of memory is not a timeout: Conductor fails such a script for good
    const result = sandbox.evaluateJavaScript('var s = "x"; while (true) { s = s + s; }', {});
    expect(result).toMatchObject({ ok: false, timedOut: false });
  });

  it('has no access to the host', () => {
    expect(sandbox.evaluateJavaScript('typeof require + typeof process + typeof fetch', {})).toEqual({
      ok: true,
      value: 'undefinedundefinedundefined',
    });
  });

  it('reports a thrown error and a syntax error', () => {
    expect(sandbox.evaluateJavaScript('throw new Error("boom")', {})).toEqual({ ok: false, error: 'Error: boom', timedOut: false });
    expect(sandbox.checkJavaScript('if (')).toMatch(/SyntaxError/);
    expect(sandbox.checkJavaScript('$.a > 1')).toBeUndefined();
  });
});

describe('jq in jq-wasm', () => {
  it('gives every output of a program', () => {
    expect(sandbox.evaluateJq('.a[]', { a: [1, 2] })).toEqual({ ok: true, value: [1, 2] });
    expect(sandbox.evaluateJq('empty', {})).toEqual({ ok: true, value: [] });
  });

  it("accepts jackson-jq's object values (`//` without parentheses), as the corpus writes them", () => {
    const query = '{ requestTransform: .input.requestTransform // ".body"  , method: .input.method // "GET" }';
    expect(sandbox.evaluateJq(query, { input: { method: 'POST' } })).toEqual({
      ok: true,
      value: [{ requestTransform: '.body', method: 'POST' }],
    });
  });

  it('reports a compile error', () => {
    const result = sandbox.evaluateJq('.[', {});
    expect(result).toMatchObject({ ok: false, timedOut: false });
  });

  it('stops a runaway program at its time limit and keeps working after', () => {
    expect(sandbox.evaluateJq('def f: f; f', {})).toMatchObject({ ok: false, timedOut: true });
    expect(sandbox.evaluateJq('.x', { x: 3 })).toEqual({ ok: true, value: [3] });
  });
});

describe('toJqProgram', () => {
  it('wraps object values and leaves strings, slices and shorthand keys alone', () => {
    expect(toJqProgram('{a: .x // "d:,}", b: .[1:2], $c, d}')).toBe('{a:( .x // "d:,}"), b:( .[1:2]), $c, d}');
  });
});
