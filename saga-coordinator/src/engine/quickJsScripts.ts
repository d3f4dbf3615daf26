import { getQuickJS, shouldInterruptAfterDeadline } from 'quickjs-emscripten';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import type { Evaluation } from './scriptEvaluator.ts';

export type ScriptLimits = {
  /** Conductor's CONDUCTOR_SCRIPT_MAX_EXECUTION_SECONDS: 4 s. */
  readonly timeoutMs: number;
  readonly memoryBytes: number;
  readonly stackBytes: number;
};

export const defaultScriptLimits: ScriptLimits = { timeoutMs: 4000, memoryBytes: 32 * 1024 * 1024, stackBytes: 512 * 1024 };

// Conductor binds `$` to a Java map, so corpus scripts call `$.list.get(i)` and `.size()`; these make them work here
const javaCollectionShims = `
Object.defineProperty(Array.prototype, 'get', { value: function (i) { return this[i]; }, enumerable: false });
Object.defineProperty(Array.prototype, 'size', { value: function () { return this.length; }, enumerable: false });
`;

const describe = (dumped: unknown): string => {
  if (typeof dumped === 'object' && dumped !== null) {
    const { name, message } = dumped as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof name === 'string' ? `${name}: ${message}` : message;
  }
  return String(dumped);
};

/**
 * JavaScript in QuickJS compiled to WebAssembly: a fresh runtime per evaluation (as Conductor takes a fresh GraalJS
 * context), with a deadline, a memory and a stack limit, and nothing of the host: no require, no process, no I/O.
 */
export const createQuickJsScripts = async (limits: ScriptLimits = defaultScriptLimits) => {
  const quickJs: QuickJSWASMModule = await getQuickJS();

  const run = (code: string, compileOnly: boolean): Evaluation<unknown> => {
    const runtime = quickJs.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    const deadline = Date.now() + limits.timeoutMs;
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
    const context = runtime.newContext();
    try {
      const result = context.evalCode(code, 'script.js', compileOnly ? { compileOnly: true } : { type: 'global' });
      if (result.error) {
        const error = describe(context.dump(result.error));
        result.error.dispose();
        const timedOut = !compileOnly && Date.now() >= deadline && /interrupted/i.test(error);
        return {
          ok: false,
          error: timedOut ? `Script not evaluated within ${limits.timeoutMs / 1000} seconds, interrupted.` : error,
          timedOut,
        };
      }
      const value: unknown = compileOnly ? undefined : context.dump(result.value);
      result.value.dispose();
      return { ok: true, value };
    } finally {
      context.dispose();
      runtime.dispose();
    }
  };

  return {
    evaluateJavaScript: (script: string, input: unknown, options?: { readonly asFunctionBody?: boolean }): Evaluation<unknown> => {
      const body = options?.asFunctionBody === true ? `(function () {\n${script}\n})();` : script;
      // `$` is bound before the script runs; its own text is evaluated as a global Script for its completion value
      return run(`${javaCollectionShims}\nvar $ = ${JSON.stringify(input ?? null)};\n${body}`, false);
    },
    checkJavaScript: (script: string): string | undefined => {
      const checked = run(script, true);
      return checked.ok ? undefined : checked.error;
    },
  };
};
