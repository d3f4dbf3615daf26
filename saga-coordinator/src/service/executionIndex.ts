import type { Db, Filter } from 'mongodb';
import type { StartedExecution } from '../engine/execution.ts';
import { createBatcher } from '@waggle/kafka-bus';
import { onlyDuplicates } from './mongoErrors.ts';

/** One execution as search lists it (Conductor's WorkflowSummary), kept beside its stream. */
export type ExecutionSummary = {
  readonly workflowId: string;
  readonly workflowType: string;
  readonly version: number;
  readonly status: string;
  readonly startTime: number;
  readonly updateTime: number;
  readonly endTime?: number;
  readonly correlationId?: string;
  readonly priority: number;
  readonly input: Readonly<Record<string, unknown>>;
  readonly output: Readonly<Record<string, unknown>>;
  readonly reasonForIncompletion?: string;
  readonly failedReferenceTaskNames: string;
  readonly compensationStatus?: string;
  readonly parentWorkflowId?: string;
};

// input and output as JSON text: FerretDB stores no nested arrays
type SummaryDoc = Omit<ExecutionSummary, 'input' | 'output'> & { _id: string; streamVersion: number; input: string; output: string };

export type SummaryQuery = {
  readonly filter: Filter<ExecutionSummary>;
  readonly sort: readonly [string, 1 | -1][];
  readonly start: number;
  readonly size: number;
};

export const toSummary = (execution: StartedExecution): ExecutionSummary => ({
  workflowId: execution.workflowId,
  workflowType: execution.definition.name,
  version: execution.definition.version ?? 1,
  status: execution.status,
  startTime: execution.createTime,
  updateTime: execution.updateTime,
  ...(execution.endTime === undefined ? {} : { endTime: execution.endTime }),
  ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
  priority: execution.priority,
  input: execution.input,
  output: execution.output,
  ...(execution.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: execution.reasonForIncompletion }),
  failedReferenceTaskNames: execution.failedReferenceTaskNames.join(','),
  ...(execution.compensation === undefined ? {} : { compensationStatus: execution.compensation.status }),
  ...(execution.parentWorkflowId === undefined ? {} : { parentWorkflowId: execution.parentWorkflowId }),
});

/**
 * The search index of executions: the owner writes each execution's summary after every transition, guarded by the
 * stream version so an older write never replaces a newer one; a redelivered input writes it again, so a crash
 * between the append and this write leaves no stale summary behind.
 */
export const createExecutionIndex = (db: Db) => {
  const summaries = db.collection<SummaryDoc>('executions');
  // the summaries asked for while one write is in flight go out as one bulk (the newest of each execution)
  const putting = createBatcher<Omit<SummaryDoc, '_id'>>({
    lingerMs: 0,
    maxBatchSize: 1_000,
    sendBatch: async (docs) => {
      const newest = new Map<string, Omit<SummaryDoc, '_id'>>();
      for (const doc of docs) if ((newest.get(doc.workflowId)?.streamVersion ?? -1) < doc.streamVersion) newest.set(doc.workflowId, doc);
      try {
        await summaries.bulkWrite(
          [...newest.values()].map((doc) => ({
            updateOne: { filter: { _id: doc.workflowId, streamVersion: { $lt: doc.streamVersion } }, update: { $set: doc }, upsert: true },
          })),
          { ordered: false },
        );
      } catch (error) {
        // a newer summary is there already
        if (!onlyDuplicates(error)) throw error;
      }
    },
  });
  return {
    start: async (): Promise<void> => {
      await summaries.createIndex({ startTime: -1 });
      await summaries.createIndex({ workflowType: 1, status: 1 });
      await summaries.createIndex({ correlationId: 1 });
    },
    put: (execution: StartedExecution, streamVersion: number): Promise<void> => {
      const summary = toSummary(execution);
      return putting.add([{ ...summary, input: JSON.stringify(summary.input), output: JSON.stringify(summary.output), streamVersion }]);
    },
    /** A removed execution leaves search; nothing writes its summary again (its inputs decide nothing now). */
    remove: async (workflowId: string): Promise<void> => {
      await summaries.deleteOne({ _id: workflowId });
    },
    search: async (query: SummaryQuery): Promise<{ totalHits: number; results: ExecutionSummary[] }> => {
      const filter = query.filter as Filter<SummaryDoc>;
      const cursor = summaries
        .find(filter, { projection: { _id: 0, streamVersion: 0 } })
        .sort(Object.fromEntries(query.sort.length > 0 ? query.sort : [['startTime', -1]]))
        .skip(query.start)
        .limit(query.size);
      const [totalHits, docs] = await Promise.all([summaries.countDocuments(filter), cursor.toArray()]);
      const results = docs.map((doc) => ({
        ...doc,
        input: JSON.parse(doc.input) as Record<string, unknown>,
        output: JSON.parse(doc.output) as Record<string, unknown>,
      }));
      return { totalHits, results };
    },
  };
};

export type ExecutionIndex = ReturnType<typeof createExecutionIndex>;
