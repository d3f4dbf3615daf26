import { waitFor } from '@waggle/testing';

export type TaskJson = {
  readonly taskId: string;
  readonly taskType: string;
  readonly referenceTaskName: string;
  readonly status: string;
  readonly retryCount: number;
  readonly inputData: Record<string, unknown>;
  readonly outputData: Record<string, unknown>;
  readonly subWorkflowId?: string;
};

export type WorkflowJson = {
  readonly workflowId: string;
  readonly status: string;
  readonly input: Record<string, unknown>;
  readonly output: Record<string, unknown>;
  readonly tasks: readonly TaskJson[];
  readonly reasonForIncompletion?: string;
  readonly parentWorkflowId?: string;
  readonly compensationStatus?: string;
};

export type Answer = { readonly status: number; readonly text: string; readonly json: <T = unknown>() => T };

const terminal = ['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT'];

/** A small client of the coordinator's Conductor API, for tests. */
export const conductorClient = (baseUrl: () => string) => {
  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: <T>() => JSON.parse(text) as T };
  };
  const workflow = async (workflowId: string): Promise<WorkflowJson> =>
    (await api('GET', `/api/workflow/${workflowId}`)).json<WorkflowJson>();
  return {
    api,
    workflow,
    /** Starts `name` with `input`; fails unless the API answers 200 with the id. */
    start: async (name: string, input: Record<string, unknown>): Promise<string> => {
      const answer = await api('POST', `/api/workflow/${name}`, input);
      if (answer.status !== 200) throw new Error(`start ${name}: ${answer.status} ${answer.text}`);
      return answer.text;
    },
    ended: (workflowId: string, timeoutMs = 30_000): Promise<WorkflowJson> =>
      waitFor(
        async () => {
          const found = await workflow(workflowId);
          return terminal.includes(found.status) && found;
        },
        { timeoutMs, description: `${workflowId} to end` },
      ),
  };
};

/** `ref:STATUS` of each task, in order. */
export const refs = (workflow: WorkflowJson): string[] => workflow.tasks.map((t) => `${t.referenceTaskName}:${t.status}`);

export const taskByRef = (workflow: WorkflowJson, ref: string): TaskJson => {
  const task = workflow.tasks.find((t) => t.referenceTaskName === ref);
  if (task === undefined) throw new Error(`no task ${ref} in ${workflow.workflowId}: ${refs(workflow).join(', ')}`);
  return task;
};
