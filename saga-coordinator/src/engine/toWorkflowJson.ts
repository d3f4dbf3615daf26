import type { StartedExecution, TaskRecord } from './execution.ts';

const statusForConductor = (execution: StartedExecution): string =>
  execution.compensation?.status === 'COMPENSATING' ? 'RUNNING' : execution.status;

/** One task record as Conductor's Task JSON. */
export const toTaskJson = (execution: StartedExecution, task: TaskRecord): Record<string, unknown> => ({
  taskType: task.taskType,
  status: task.status,
  inputData: task.inputData,
  referenceTaskName: task.referenceTaskName,
  retryCount: task.retryCount,
  seq: task.seq,
  correlationId: execution.correlationId,
  pollCount: task.pollCount,
  taskDefName: task.taskDefName,
  scheduledTime: task.scheduledTime,
  startTime: task.startTime,
  endTime: task.endTime,
  updateTime: task.updateTime,
  startDelayInSeconds: task.workflowTask.startDelay ?? 0,
  retriedTaskId: task.retriedTaskId,
  retried: task.retried,
  executed: task.status !== 'SCHEDULED' && task.status !== 'IN_PROGRESS',
  callbackFromWorker: true,
  responseTimeoutSeconds: execution.taskDefs[task.taskDefName]?.responseTimeoutSeconds ?? 0,
  workflowInstanceId: execution.workflowId,
  workflowType: execution.definition.name,
  taskId: task.taskId,
  reasonForIncompletion: task.reasonForIncompletion,
  callbackAfterSeconds: task.callbackAfterSeconds,
  workerId: task.workerId,
  outputData: task.outputData,
  workflowTask: task.workflowTask,
  workflowPriority: execution.priority,
  iteration: task.iteration,
  subWorkflowId: task.subWorkflowId,
  parentTaskId: task.loopTaskId,
  firstStartTime: task.startTime,
  ...(task.compensationOf === undefined ? {} : { compensationOf: task.compensationOf }),
});

const dropUndefined = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));

/**
 * An execution as Conductor's Workflow JSON (GET /api/workflow/{id}). Null fields are left out, as Conductor's
 * Jackson NON_NULL does. waggle adds `compensationStatus` (COMPENSATING / COMPENSATED / COMPENSATION_FAILED);
 * while compensating, `status` stays RUNNING, for a Conductor client the execution is not over yet. It also adds
 * `operatorActions`: who paused, terminated, retried… it, when (`at`, epoch ms) and why.
 */
export const toWorkflowJson = (execution: StartedExecution, options: { readonly includeTasks?: boolean } = {}): Record<string, unknown> =>
  dropUndefined({
    createTime: execution.createTime,
    updateTime: execution.updateTime,
    status: statusForConductor(execution),
    endTime: execution.endTime ?? 0,
    workflowId: execution.workflowId,
    parentWorkflowId: execution.parentWorkflowId,
    parentWorkflowTaskId: execution.parentWorkflowTaskId,
    tasks: options.includeTasks === false ? [] : execution.tasks.map((task) => dropUndefined(toTaskJson(execution, task))),
    input: execution.input,
    output: execution.output,
    correlationId: execution.correlationId,
    reasonForIncompletion: execution.reasonForIncompletion,
    failedReferenceTaskNames: execution.failedReferenceTaskNames,
    failedTaskNames: execution.failedTaskNames,
    workflowDefinition: execution.definition,
    priority: execution.priority,
    variables: execution.variables,
    lastRetriedTime: execution.lastRetriedTime ?? 0,
    startTime: execution.createTime,
    workflowName: execution.definition.name,
    workflowVersion: execution.definition.version ?? 1,
    compensationStatus: execution.compensation?.status,
    operatorActions: execution.operatorActions.length === 0 ? undefined : execution.operatorActions,
  });
