import { NotFoundError, RuleViolationError } from '@waggle/errors';
import type { Db } from 'mongodb';
import type { TaskDef, WorkflowDef, WorkflowTask } from '../engine/workflowDef.ts';
import { childLists, withTaskDefDefaults } from '../engine/workflowDef.ts';
import { isDuplicateKey } from './mongoErrors.ts';

// definitions are kept as JSON text: FerretDB stores no nested arrays (a fork's forkTasks is one)
type WorkflowDefDoc = { _id: string; name: string; version: number; json: string; createTime: number; updateTime?: number };
type TaskDefDoc = { _id: string; json: string; createTime: number; updateTime?: number };

const versionOf = (def: WorkflowDef): number => def.version ?? 1;
const withTimes = <T extends object>(doc: { json: string; createTime: number; updateTime?: number }): T => ({
  ...(JSON.parse(doc.json) as T),
  createTime: doc.createTime,
  ...(doc.updateTime === undefined ? {} : { updateTime: doc.updateTime }),
});

/** Names of every task a definition runs, nested ones included (the task defs an execution snapshots). */
const taskNames = (tasks: readonly WorkflowTask[], into = new Set<string>()): Set<string> => {
  for (const task of tasks) {
    into.add(task.name);
    for (const list of childLists(task)) taskNames(list.tasks, into);
  }
  return into;
};

/** Workflow and task definitions in the coordinator's database, keyed `name:version` and `name` as Conductor keys them. */
export const createMetadataStore = (db: Db) => {
  const workflows = db.collection<WorkflowDefDoc>('workflow_defs');
  const taskDefs = db.collection<TaskDefDoc>('task_defs');
  return {
    start: async (): Promise<void> => {
      await workflows.createIndex({ name: 1, version: -1 });
    },
    /** Registers a definition; an existing name+version is a 409 unless `overwrite`. */
    putWorkflowDef: async (def: WorkflowDef, options: { overwrite: boolean }, now = Date.now()): Promise<void> => {
      const version = versionOf(def);
      const _id = `${def.name}:${version}`;
      const stored = { ...def, version };
      if (options.overwrite) {
        await workflows.updateOne(
          { _id },
          { $set: { name: def.name, version, json: JSON.stringify(stored), updateTime: now }, $setOnInsert: { createTime: now } },
          { upsert: true },
        );
        return;
      }
      try {
        await workflows.insertOne({ _id, name: def.name, version, json: JSON.stringify(stored), createTime: now });
      } catch (error) {
        if (isDuplicateKey(error)) throw new RuleViolationError(`Workflow with ${def.name}.${version} already exists!`);
        throw error;
      }
    },
    /** A definition by name and version, the latest when no version is given. */
    findWorkflowDef: async (name: string, version?: number): Promise<WorkflowDef | undefined> => {
      const doc =
        version === undefined
          ? await workflows.find({ name }).sort({ version: -1 }).limit(1).next()
          : await workflows.findOne({ _id: `${name}:${version}` });
      return doc === null ? undefined : withTimes<WorkflowDef>(doc);
    },
    getWorkflowDef: async function (name: string, version?: number): Promise<WorkflowDef> {
      const def = await this.findWorkflowDef(name, version);
      if (def === undefined) throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version ?? 'latest'}`);
      return def;
    },
    listWorkflowDefs: async (): Promise<WorkflowDef[]> =>
      (await workflows.find({}).sort({ name: 1, version: 1 }).toArray()).map((doc) => withTimes<WorkflowDef>(doc)),
    deleteWorkflowDef: async (name: string, version: number): Promise<void> => {
      const deleted = await workflows.deleteOne({ _id: `${name}:${version}` });
      if (deleted.deletedCount === 0) throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version}`);
    },
    putTaskDefs: async (defs: readonly TaskDef[], now = Date.now()): Promise<void> => {
      for (const def of defs)
        await taskDefs.updateOne(
          { _id: def.name },
          { $set: { json: JSON.stringify(withTaskDefDefaults(def)), updateTime: now }, $setOnInsert: { createTime: now } },
          { upsert: true },
        );
    },
    findTaskDef: async (name: string): Promise<TaskDef | undefined> => {
      const doc = await taskDefs.findOne({ _id: name });
      return doc === null ? undefined : withTimes<TaskDef>(doc);
    },
    listTaskDefs: async (): Promise<TaskDef[]> =>
      (await taskDefs.find({}).sort({ _id: 1 }).toArray()).map((doc) => withTimes<TaskDef>(doc)),
    deleteTaskDef: async (name: string): Promise<void> => {
      const deleted = await taskDefs.deleteOne({ _id: name });
      if (deleted.deletedCount === 0) throw new NotFoundError(`No such taskType found by name: ${name}`);
    },
    /** The registered task defs a definition uses: what an execution of it snapshots. */
    taskDefsFor: async (def: WorkflowDef): Promise<TaskDef[]> => {
      const names = [...taskNames(def.tasks)];
      return (await taskDefs.find({ _id: { $in: names } }).toArray()).map((doc) => JSON.parse(doc.json) as TaskDef);
    },
  };
};

export type MetadataStore = ReturnType<typeof createMetadataStore>;
