import { createJqRunner, defaultJqLimits } from './jqRunner.ts';
import type { JqLimits } from './jqRunner.ts';
import { createQuickJsScripts, defaultScriptLimits } from './quickJsScripts.ts';
import type { ScriptLimits } from './quickJsScripts.ts';
import type { ScriptEvaluator } from './scriptEvaluator.ts';

export type ScriptSandbox = ScriptEvaluator & { readonly close: () => Promise<void> };

/** The scripts adapter: JavaScript in QuickJS and jq in jq-wasm, both WebAssembly, both time- and memory-bounded. */
export const createScriptSandbox = async (
  options: { readonly scripts?: ScriptLimits; readonly jq?: JqLimits } = {},
): Promise<ScriptSandbox> => {
  const scripts = await createQuickJsScripts(options.scripts ?? defaultScriptLimits);
  const jq = createJqRunner(options.jq ?? defaultJqLimits);
  return {
    evaluateJavaScript: scripts.evaluateJavaScript,
    checkJavaScript: scripts.checkJavaScript,
    evaluateJq: jq.evaluateJq,
    close: async () => {
      await jq.close();
    },
  };
};
