export { commandRunner, commandTask, invalidTaskInput } from './commandTask.ts';
export { createTaskWorker } from './createTaskWorker.ts';
export type { TaskContext, TaskHandler, TaskWorker, TaskWorkerOptions } from './createTaskWorker.ts';
export { maxTaskOutputBytes, outputTooLarge } from './outputLimit.ts';
export { sagaTopics } from './sagaTopics.ts';
export type { SagaTopics } from './sagaTopics.ts';
export {
  decodeTaskDelivery,
  fromTaskResultData,
  taskCanceledType,
  taskCommandType,
  taskResultType,
  toSagaRecord,
  toTaskCommandData,
  toTaskResultData,
} from './taskRecords.ts';
export type { RecordCause, Task, TaskDelivery, TaskOutcome, TaskResultMessage } from './taskRecords.ts';
