import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuleViolationError, ValidationError } from '@waggle/errors';
import type { Logger } from '@waggle/observability';
import type { ScriptEvaluator } from '../engine/scriptEvaluator.ts';
import { validateWorkflowDef } from '../engine/validateWorkflowDef.ts';
import type { TaskDef, WorkflowDef } from '../engine/workflowDef.ts';
import type { MetadataStore } from '../service/metadataStore.ts';
import { topicOf, validateEventHandler, type EventHandler } from './eventHandler.ts';
import type { EventHandlerStore } from './eventHandlerStore.ts';

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

/** A definition as compared across versions: without its version and the store's timestamps. */
const comparable = (def: WorkflowDef): string => {
  const {
    version: _version,
    createTime: _created,
    updateTime: _updated,
    ...rest
  } = def as WorkflowDef & {
    createTime?: number;
    updateTime?: number;
  };
  return JSON.stringify(rest);
};

/**
 * Registers the definitions of a folder at start, idempotently, so that several instances starting at once and
 * every restart agree: `taskdefs.json` (an array of task defs, upserted), every other `*.json` holding a workflow
 * definition (a new version only when it differs from the latest registered one) and `event-handlers.json` (an array
 * of event handlers, replaced when changed). `topics` renames a handler's `kafka:<topic>` (a deployment's topic names).
 */
export const registerBundledDefinitions = async (options: {
  readonly dir: string;
  readonly metadata: MetadataStore;
  readonly handlers: EventHandlerStore;
  readonly scripts: ScriptEvaluator;
  readonly topics: Readonly<Record<string, string>>;
  readonly logger: Logger;
}): Promise<{ readonly workflows: readonly string[]; readonly handlers: readonly string[] }> => {
  const { dir, metadata, logger } = options;
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  if (files.includes('taskdefs.json')) await metadata.putTaskDefs(await readJson<TaskDef[]>(join(dir, 'taskdefs.json')));
  const taskDefs = await metadata.listTaskDefs();
  const workflows: string[] = [];
  for (const file of files.filter((f) => f !== 'taskdefs.json' && f !== 'event-handlers.json')) {
    const def = await readJson<WorkflowDef>(join(dir, file));
    const check = validateWorkflowDef(def, { taskDefs, scripts: options.scripts });
    if (!check.ok)
      throw new ValidationError(
        `${file}: ${check.validationErrors.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        check.validationErrors,
      );
    const latest = await metadata.findWorkflowDef(def.name);
    if (latest !== undefined && comparable(latest) === comparable(def)) {
      workflows.push(`${def.name} v${latest.version ?? 1}`);
      continue;
    }
    const version = latest === undefined ? (def.version ?? 1) : (latest.version ?? 1) + 1;
    try {
      await metadata.putWorkflowDef({ ...def, version }, { overwrite: false });
      logger.info({ workflow: def.name, version }, `registered ${def.name} v${version} from ${file}`);
    } catch (error) {
      // another instance starting at the same time registered it first
      if (!(error instanceof RuleViolationError)) throw error;
    }
    workflows.push(`${def.name} v${version}`);
  }
  const names: string[] = [];
  if (files.includes('event-handlers.json')) {
    for (const bundled of await readJson<EventHandler[]>(join(dir, 'event-handlers.json'))) {
      const topic = topicOf(bundled);
      const renamed = topic === undefined ? undefined : options.topics[topic];
      const handler = renamed === undefined ? bundled : { ...bundled, event: `kafka:${renamed}` };
      const problems = validateEventHandler(handler, (script) => options.scripts.checkJavaScript(script));
      if (problems.length > 0)
        throw new ValidationError(`event handler ${handler.name}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
      await options.handlers.put(handler);
      names.push(handler.name);
    }
  }
  return { workflows, handlers: names };
};
