import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskDef, WorkflowDef } from '../workflowDef.ts';

/** ../shared/conductor beside the repo: Conductor's own definitions and JSON Schemas (the conformance corpus). */
export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/conductor');

export const corpusFiles = (): string[] =>
  readdirSync(join(corpusDir, 'defs'))
    .filter((file) => file.endsWith('.json'))
    .sort();

export const readCorpusDef = (file: string): WorkflowDef => JSON.parse(readFileSync(join(corpusDir, 'defs', file), 'utf8')) as WorkflowDef;

export const readCorpusSchema = (name: string): object =>
  JSON.parse(readFileSync(join(corpusDir, 'schemas', `${name}.json`), 'utf8')) as object;

const harnessDef = (name: string, fields: Partial<TaskDef>): TaskDef => ({
  name,
  description: name,
  ownerEmail: 'test@harness.com',
  retryLogic: 'FIXED',
  retryDelaySeconds: 60,
  timeoutPolicy: 'TIME_OUT_WF',
  ...fields,
});

/** The task defs the test harness registers first (the corpus README, WorkflowTestUtil.groovy). */
export const corpusTaskDefs: readonly TaskDef[] = [
  ...Array.from({ length: 21 }, (_, index) =>
    harnessDef(`integration_task_${index}`, { retryCount: 1, timeoutSeconds: 120, responseTimeoutSeconds: 120 }),
  ),
  ...Array.from({ length: 5 }, (_, index) =>
    harnessDef(`integration_task_0_RT_${index}`, { retryCount: 0, timeoutSeconds: 120, responseTimeoutSeconds: 120 }),
  ),
  harnessDef('task_rt', { timeoutSeconds: 120, retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 10 }),
  harnessDef('task_optional', {
    timeoutSeconds: 5,
    retryCount: 1,
    timeoutPolicy: 'RETRY',
    retryDelaySeconds: 0,
    responseTimeoutSeconds: 5,
  }),
  harnessDef('simple_task_in_sub_wf', { retryCount: 0, timeoutSeconds: 120, responseTimeoutSeconds: 120 }),
  harnessDef('sub_workflow_task', { retryCount: 1, responseTimeoutSeconds: 5, retryDelaySeconds: 0, timeoutSeconds: 120 }),
  harnessDef('waitTimeout', { timeoutSeconds: 2, responseTimeoutSeconds: 2, retryCount: 1, timeoutPolicy: 'RETRY', retryDelaySeconds: 10 }),
  harnessDef('eventX', { timeoutSeconds: 10, responseTimeoutSeconds: 10 }),
  harnessDef('short_time_out', { retryCount: 1, timeoutSeconds: 5, responseTimeoutSeconds: 5 }),
];
