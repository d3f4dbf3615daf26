import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from '../createScriptSandbox.ts';
import type { ScriptSandbox } from '../createScriptSandbox.ts';
import { validateTaskDef } from '../validateTaskDef.ts';
import { validateWorkflowDef } from '../validateWorkflowDef.ts';
import { corpusFiles, corpusTaskDefs, readCorpusDef } from './conductorCorpus.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

// what the corpus README says each file must do at registration: all of them register
const refused: Readonly<Record<string, RegExp>> = {};

describe('the harness task defs', () => {
  it.each(corpusTaskDefs.map((def) => [def.name, def] as const))('%s is valid', (_name, def) => {
    expect(validateTaskDef(def)).toEqual([]);
  });
});

describe("Conductor's own workflow definitions", () => {
  it('are all there', () => {
    expect(corpusFiles().length).toBe(22);
  });

  it.each(corpusFiles())('%s registers (or is refused for its reason)', (file) => {
    const check = validateWorkflowDef(readCorpusDef(file), { taskDefs: corpusTaskDefs, scripts: sandbox });
    const reason = refused[file];
    if (reason === undefined) expect(check).toEqual({ ok: true });
    else expect(check.ok ? '' : check.validationErrors.map((problem) => problem.message).join('; ')).toMatch(reason);
  });
});
