import { RuleViolationError } from '@waggle/errors';
import { openMongoEventStore, type Decider, type OpenedEventStore } from '@waggle/event-store';
import { createProducer, readTopicToEnd, type Producer } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde, type AvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commandTask } from './commandTask.ts';
import { createTaskWorker, type TaskWorker } from './createTaskWorker.ts';
import { sagaTopics } from './sagaTopics.ts';
import { fromTaskResultData, taskCommandType, toSagaRecord, toTaskCommandData, type TaskResultMessage } from './taskRecords.ts';

type Reserve = { readonly type: 'Reserve'; readonly units: number };
type Reserved = { readonly type: 'Reserved'; readonly data: { readonly units: number } };
type Stock = { readonly left: number };
const stock: Decider<Reserve, Reserved, Stock> = {
  initialState: () => ({ left: 5 }),
  decide: (command, state) => {
    if (command.units > state.left) throw new RuleViolationError(`only ${state.left} left`);
    return [{ type: 'Reserved', data: { units: command.units } }];
  },
  evolve: (state, event) => ({ left: state.left - event.data.units }),
};

const brokers = [inject('stack').kafkaBrokers].flat();
const topics = sagaTopics(uniqueName('tw'));
let opened: OpenedEventStore;
let serde: AvroSerde;
let producer: Producer;
let worker: TaskWorker;

beforeAll(async () => {
  opened = await openMongoEventStore({ url: inject('stack').mongoUrl, database: uniqueName('task-worker') });
  serde = createAvroSerde({ registryUrl: inject('stack').schemaRegistryUrl, schemas: loadSchemas() });
  producer = createProducer({ brokers, clientId: 'task-worker-test' });
  await producer.start();
  worker = createTaskWorker({
    brokers,
    serde,
    logger: createLogger({ service: 'task-worker-test', level: 'silent' }),
    name: uniqueName('stock'),
    topics,
    handlers: [
      commandTask({
        taskType: 'reserve_stock',
        store: opened.store,
        decider: stock,
        toCommand: (task) => ({
          streamId: String(task.input['sku']),
          command: { type: 'Reserve' as const, units: Number(task.input['units']) },
        }),
        toOutcome: (result) => ({ status: 'COMPLETED', outputData: { left: result.state.left } }),
      }),
    ],
  });
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await producer?.stop();
  await opened?.close();
});

const sendTask = async (taskId: string, retryCount: number, input: Record<string, unknown>): Promise<void> => {
  const data = toTaskCommandData({
    workflowId: 'wf-1',
    taskId,
    taskType: 'reserve_stock',
    referenceTaskName: 'reserve',
    retryCount,
    input,
    responseTimeoutSeconds: 0,
  });
  await producer.send([
    await toSagaRecord(serde, {
      topic: topics.tasks('reserve_stock'),
      fullName: taskCommandType,
      key: 'wf-1',
      data,
      source: '/test',
      cause: { correlationId: 'corr-1', causationId: 'cause-1' },
    }),
  ]);
};

const results = async (): Promise<TaskResultMessage[]> => {
  const records = await readTopicToEnd(brokers, topics.inputs);
  return Promise.all(
    records.map(async (record) => fromTaskResultData((await serde.decode(record.value!)).data as Record<string, unknown>)),
  );
};

describe('a task worker with a command task', () => {
  it('given a task delivered twice, when it runs, then its effect happens once and both answers say the same', async () => {
    await sendTask('wf-1:1', 0, { sku: 'sku-a', units: 2 });
    await sendTask('wf-1:1', 0, { sku: 'sku-a', units: 2 });
    const answered = await waitFor(async () => {
      const found = (await results()).filter((r) => r.taskId === 'wf-1:1');
      return found.length === 2 && found;
    });
    expect(answered.map((r) => [r.status, r.outputData, r.retryCount])).toEqual([
      ['COMPLETED', { left: 3 }, 0],
      ['COMPLETED', { left: 3 }, 0],
    ]);
    const stream = await opened.store.readStream('sku-a');
    expect(stream.events.map((e) => [e.type, e.metadata.commandId, e.metadata.correlationId])).toEqual([
      ['Reserved', 'wf-1:1:0', 'corr-1'],
    ]);
  });

  it('given the retry of a task (a new attempt), when it runs, then it is a new effect', async () => {
    await sendTask('wf-1:2', 0, { sku: 'sku-b', units: 1 });
    await sendTask('wf-1:3', 1, { sku: 'sku-b', units: 1 });
    await waitFor(async () => (await results()).filter((r) => r.taskId === 'wf-1:3').length === 1);
    expect((await opened.store.readStream('sku-b')).events.map((e) => e.metadata.commandId)).toEqual(['wf-1:2:0', 'wf-1:3:1']);
  });

  it('given a command the decider refuses, when it runs, then the task fails for good with the reason', async () => {
    await sendTask('wf-1:4', 0, { sku: 'sku-c', units: 9 });
    const [result] = await waitFor(async () => {
      const found = (await results()).filter((r) => r.taskId === 'wf-1:4');
      return found.length === 1 && found;
    });
    expect(result).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'only 5 left', workflowId: 'wf-1' });
    expect((await opened.store.readStream('sku-c')).version).toBe(0);
  });
});
