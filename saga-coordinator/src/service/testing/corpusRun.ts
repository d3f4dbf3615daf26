import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { uniqueName } from '@waggle/testing';
import { corpusFiles, corpusTaskDefs, readCorpusDef } from '../../engine/corpus/conductorCorpus.ts';
import type { RunningCoordinator } from '../startCoordinator.ts';
import { conductorClient } from './conductorClient.ts';
import { startTestCoordinator, startTestWorkers, testCoordinatorConfig, type TestAnswer, type TestStack } from './startTestCoordinator.ts';

// `simple` has no registered def in the corpus: it runs under an ad-hoc one, as at Conductor's HEAD
export const corpusTaskTypes = [...corpusTaskDefs.map((def) => def.name), 'simple'];

/**
 * A coordinator with the corpus registered over its REST API (task defs, then children and failure workflows, then
 * the rest, as the corpus README says) and generic workers over Kafka for every corpus task type.
 */
export const startCorpusRun = async (stack: TestStack, answer: TestAnswer) => {
  const prefix = uniqueName('saga');
  const database = uniqueName('saga-corpus');
  const coordinator: RunningCoordinator = await startTestCoordinator(testCoordinatorConfig(stack, { prefix, database }));
  const effects: OpenedEventStore = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  const workers: TaskWorker = await startTestWorkers(stack, {
    prefix,
    name: uniqueName('corpus-workers'),
    store: effects.store,
    taskTypes: corpusTaskTypes,
    answer,
  });
  const client = conductorClient(() => coordinator.url);
  const registered = await client.api('POST', '/api/metadata/taskdefs', corpusTaskDefs);
  if (registered.status !== 200) throw new Error(`task defs: ${registered.text}`);
  const first = (file: string): number => Number(file.includes('sub_workflow_integration') || file.startsWith('failure'));
  for (const file of [...corpusFiles()].sort((a, b) => first(b) - first(a))) {
    const answer = await client.api('POST', '/api/metadata/workflow', readCorpusDef(file));
    if (answer.status !== 200) throw new Error(`${file}: ${answer.status} ${answer.text}`);
  }
  return {
    ...client,
    coordinator,
    effects,
    stop: async (): Promise<void> => {
      await workers.stop();
      await coordinator.stop();
      await effects.close();
    },
  };
};
