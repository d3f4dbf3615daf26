import type { RecordedEvent } from '@waggle/event-store';
import type { OutgoingRecord } from '@waggle/outbox-relay';
import type { AvroSerde } from '@waggle/serde';
import { taskCanceledType, taskCommandType, toSagaRecord, toTaskCommandData, type RecordCause, type SagaTopics } from '@waggle/task-worker';
import type { EngineCommand } from '../engine/engineCommand.ts';
import { stableId, toInputRecord } from './inputRecords.ts';

/** Pseudo-topics of records the coordinator's relay keeps in Mongo instead of producing (durable timers, the poll queue). */
export const timerSink = '\u0000timers';
export const pollQueueSink = '\u0000poll-queue';
export const slotSink = '\u0000slots';

export type ScheduledTimer = Extract<EngineCommand, { type: 'ScheduleTimer' }>;
export type QueuedTask = Extract<EngineCommand, { type: 'DispatchTask' }>;

const source = '/waggle/saga-coordinator';

const toJsonRecord = (topic: string, key: string, value: unknown): OutgoingRecord => ({
  topic,
  key,
  value: Buffer.from(JSON.stringify(value)),
  headers: {},
});

/** Where an EVENT task's sink publishes: `kafka:<topic>` to that topic, anything else (`conductor…`) to the events topic. */
const eventTopic = (topics: SagaTopics, sink: string): string => (sink.startsWith('kafka:') ? sink.slice('kafka:'.length) : topics.events);

const toRecords = async (serde: AvroSerde, topics: SagaTopics, command: EngineCommand, cause: RecordCause): Promise<OutgoingRecord[]> => {
  switch (command.type) {
    case 'DispatchTask': {
      const topic = topics.tasks(command.taskType);
      const data = toTaskCommandData({
        workflowId: command.workflowId,
        taskId: command.taskId,
        taskType: command.taskType,
        referenceTaskName: command.referenceTaskName,
        retryCount: command.retryCount,
        input: command.inputData,
        responseTimeoutSeconds: 0,
        ...(command.pollTimeoutSeconds === undefined ? {} : { pollTimeoutSeconds: command.pollTimeoutSeconds }),
        ...(command.correlationId === undefined ? {} : { correlationId: command.correlationId }),
      });
      const record = await toSagaRecord(serde, { topic, fullName: taskCommandType, key: command.workflowId, data, source, cause });
      return [record as OutgoingRecord, toJsonRecord(pollQueueSink, command.workflowId, command)];
    }
    case 'CancelTask': {
      const data = { workflowId: command.workflowId, taskId: command.taskId, taskType: command.taskType };
      const topic = topics.tasks(command.taskType);
      return [
        (await toSagaRecord(serde, { topic, fullName: taskCanceledType, key: command.workflowId, data, source, cause })) as OutgoingRecord,
      ];
    }
    case 'StartWorkflow': {
      const input = {
        kind: 'start' as const,
        workflowId: command.workflowId,
        name: command.name,
        input: command.input,
        priority: 0,
        ...(command.version === undefined ? {} : { version: command.version }),
        ...(command.definition === undefined ? {} : { definition: command.definition }),
        ...(command.correlationId === undefined ? {} : { correlationId: command.correlationId }),
        ...(command.parentWorkflowId === undefined ? {} : { parentWorkflowId: command.parentWorkflowId }),
        ...(command.parentWorkflowTaskId === undefined ? {} : { parentWorkflowTaskId: command.parentWorkflowTaskId }),
      };
      return [(await toInputRecord(serde, topics, input, cause)) as OutgoingRecord];
    }
    case 'TerminateWorkflow': {
      const action = { type: 'TerminateWorkflow' as const, reason: command.reason };
      return [(await toInputRecord(serde, topics, { kind: 'action', workflowId: command.workflowId, action }, cause)) as OutgoingRecord];
    }
    case 'RetryWorkflow': {
      const action = { type: 'RetryWorkflow' as const, resumeSubworkflowTasks: true, fromParent: true };
      return [(await toInputRecord(serde, topics, { kind: 'action', workflowId: command.workflowId, action }, cause)) as OutgoingRecord];
    }
    case 'NotifyParentRetried': {
      const action = { type: 'ReportSubWorkflowRetried' as const, taskId: command.parentWorkflowTaskId, subWorkflowId: command.workflowId };
      const input = { kind: 'action' as const, workflowId: command.parentWorkflowId, action };
      return [(await toInputRecord(serde, topics, input, cause)) as OutgoingRecord];
    }
    case 'NotifyParent': {
      const input = {
        kind: 'subWorkflowEnded' as const,
        workflowId: command.parentWorkflowId,
        taskId: command.parentWorkflowTaskId,
        subWorkflowId: command.workflowId,
        status: command.status,
        output: command.output,
        ...(command.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: command.reasonForIncompletion }),
      };
      return [(await toInputRecord(serde, topics, input, cause)) as OutgoingRecord];
    }
    case 'PublishEvent': {
      const topic = eventTopic(topics, command.sink);
      const data = {
        workflowId: command.workflowId,
        taskId: command.taskId,
        sink: command.sink,
        payloadJson: JSON.stringify(command.payload),
      };
      return [
        (await toSagaRecord(serde, {
          topic,
          fullName: 'waggle.saga.WorkflowEventPublished',
          key: command.workflowId,
          data,
          source,
          cause,
        })) as OutgoingRecord,
      ];
    }
    case 'ScheduleTimer':
      return [toJsonRecord(timerSink, command.workflowId, command)];
    case 'RequestSlot':
      return [toJsonRecord(slotSink, command.workflowId, command)];
  }
};

/** The topics a command's records go to (created before the first record is produced). */
export const topicOf = (topics: SagaTopics, command: EngineCommand): string | undefined => {
  switch (command.type) {
    case 'DispatchTask':
    case 'CancelTask':
      return topics.tasks(command.taskType);
    case 'PublishEvent':
      return eventTopic(topics, command.sink);
    case 'StartWorkflow':
    case 'TerminateWorkflow':
    case 'RetryWorkflow':
    case 'NotifyParentRetried':
    case 'NotifyParent':
      return topics.inputs;
    case 'ScheduleTimer':
    case 'RequestSlot':
      return undefined;
  }
};

/** The commands of a batch of execution events (only CommandsIssued carries any). */
export const commandsOf = (events: readonly RecordedEvent[]): { command: EngineCommand; event: RecordedEvent; index: number }[] =>
  events.flatMap((event) =>
    event.type === 'CommandsIssued'
      ? ((event.data as { commands: readonly EngineCommand[] }).commands ?? []).map((command, index) => ({ command, event, index }))
      : [],
  );

/**
 * The relay's `toRecords` for the coordinator: each command a decision issued becomes its records (task commands on
 * task topics, child starts and parent notices on the inputs topic, EVENT payloads, timers for Mongo). Record ids
 * derive from the event and the command's index, so a batch relayed twice is the same inputs again.
 */
export const createCommandRecordMapper =
  (serde: AvroSerde, topics: SagaTopics) =>
  async (events: readonly RecordedEvent[]): Promise<OutgoingRecord[]> => {
    const records: OutgoingRecord[] = [];
    for (const { command, event, index } of commandsOf(events)) {
      const cause: RecordCause = {
        id: stableId(`${event.metadata.eventId}:${index}`),
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.eventId,
        ...(event.metadata.traceparent === undefined ? {} : { traceparent: event.metadata.traceparent }),
      };
      records.push(...(await toRecords(serde, topics, command, cause)));
    }
    return records;
  };
