import { NotFoundError } from '@waggle/errors';
import { defineRoute, problemSchema, type Route } from '@waggle/http';
import { z } from 'zod';
import type { CorrelationEntry } from './correlationEntry.ts';
import type { CorrelationStore, FoundEntry, Lookup } from './correlationStore.ts';

const recordSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string().describe('64-bit, as text'),
    correlationId: z.string(),
    causationId: z.string().optional(),
    eventId: z.string().optional().describe('ce_id'),
    type: z.string().describe('ce_type, the Avro full name'),
    source: z.string().optional().describe('ce_source'),
    time: z.string().describe('ce_time (the record timestamp when the header is missing), ISO 8601'),
    key: z.string().optional(),
    workflowId: z.string().optional().describe('the execution a saga record moves'),
    taskId: z.string().optional().describe('the task a task command, cancellation or result is about'),
    relation: z.enum(['correlation', 'cause']).describe('carries a correlation id followed, or caused a record that does'),
  })
  .meta({ id: 'CorrelatedRecord', description: 'A Kafka record as the correlation index knows it (from its headers)' });

const lookupSchema = z
  .object({
    correlationIds: z.array(z.string()),
    records: z.array(recordSchema),
    truncated: z.boolean(),
  })
  .meta({ id: 'CorrelatedRecords' });

const lookupQuery = z.object({
  causes: z.enum(['true', 'false']).default('true').describe('also the records outside the correlation that caused its records'),
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});

const problem = (description: string) => ({ description, schema: problemSchema });

const toJson = (entry: CorrelationEntry & { relation?: FoundEntry['relation'] }) => {
  const { timestamp: _timestamp, time, ...rest } = entry;
  return { ...rest, time: new Date(time).toISOString(), relation: entry.relation ?? 'correlation' };
};
const toBody = (lookup: Lookup) => ({ ...lookup, records: lookup.records.map(toJson) });

/**
 * waggle's extension of Conductor's API: the Kafka records around an execution, from the correlation index. `store`
 * undefined means the index is off (`SAGA_CORRELATION_TOPICS=none`): every route answers 404 saying so.
 */
export const correlationRoutes = (store: CorrelationStore | undefined): Route[] => {
  const index = (): CorrelationStore => {
    if (store === undefined) throw new NotFoundError('This coordinator keeps no correlation index (SAGA_CORRELATION_TOPICS=none)');
    return store;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/waggle/correlations/:correlationId/records',
      operationId: 'getCorrelatedRecords',
      summary: "The Kafka records carrying a correlation id, every context's and the saga's, oldest first (waggle)",
      params: z.object({ correlationId: z.string().min(1).max(256) }),
      query: lookupQuery,
      responses: { 200: { description: 'The records (none: an empty list)', schema: lookupSchema }, 404: problem('The index is off') },
      handler: async (request) => {
        const { causes, limit } = request.query;
        return {
          status: 200,
          body: toBody(await index().byCorrelation(request.params.correlationId, { causes: causes === 'true', limit })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/waggle/workflow/:workflowId/records',
      operationId: 'getExecutionRecords',
      summary: 'What happened around an execution: every correlation id its own records carry, followed across Kafka (waggle)',
      params: z.object({ workflowId: z.string().min(1).max(256) }),
      query: lookupQuery,
      responses: { 200: { description: 'The records (none: an empty list)', schema: lookupSchema }, 404: problem('The index is off') },
      handler: async (request) => {
        const { causes, limit } = request.query;
        return { status: 200, body: toBody(await index().byWorkflow(request.params.workflowId, { causes: causes === 'true', limit })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/waggle/tasks/:taskId/records',
      operationId: 'getTaskRecords',
      summary: 'The Kafka records that moved a task: its commands (one per attempt), cancellations and results (waggle)',
      params: z.object({ taskId: z.string().min(1).max(256) }),
      query: lookupQuery.pick({ limit: true }),
      responses: {
        200: { description: 'The records (none: an empty list)', schema: lookupSchema },
        404: problem('Not a task id of this coordinator (`<workflowId>:<seq>`), or the index is off'),
      },
      handler: async (request) => {
        const found = await index().byTask(request.params.taskId, request.query.limit);
        if (found === undefined) throw new NotFoundError(`${request.params.taskId} is not a task id (<workflowId>:<seq>)`);
        return { status: 200, body: toBody(found) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/waggle/records/:topic/:partition/:offset',
      operationId: 'getIndexedRecord',
      summary: 'One Kafka record as the correlation index knows it (waggle)',
      params: z.object({
        topic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name'),
        partition: z.coerce.number().int().min(0),
        offset: z.string().regex(/^\d{1,19}$/, 'must be an offset'),
      }),
      responses: { 200: { description: 'The record', schema: recordSchema }, 404: problem('Not indexed (or past retention)') },
      handler: async (request) => {
        const { topic, partition, offset } = request.params;
        const entry = await index().byOffset(topic, partition, offset);
        if (entry === undefined) throw new NotFoundError(`${topic}/${partition}/${offset} is not in the correlation index`);
        return { status: 200, body: toJson(entry) };
      },
    }),
  ];
};
