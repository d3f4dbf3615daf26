import { z } from 'zod';
import { defineRoute, type Route } from './defineRoute.ts';

const partitionLagSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  committed: z.string().describe('the group’s committed offset (-1: none yet)'),
  high: z.string().describe('the partition’s end offset'),
  lag: z.number().int().describe('records not yet processed by the group'),
});

const outboxLaneSchema = z.object({
  lane: z.number().int(),
  cursor: z.number().int().describe('the last outbox seq of this lane acknowledged by Kafka'),
  published: z.number().int().describe('events this instance published from this lane since it started'),
  lastError: z.string().optional().describe('why the lane’s last step failed; it retries until it succeeds'),
  waitingForAckMs: z
    .number()
    .optional()
    .describe('how long the step in flight has waited for Kafka’s acknowledgement; a growing value means the broker is unreachable'),
});

/** What `GET /status` answers: the work in flight of one service instance. */
export const serviceStatusSchema = z.object({
  service: z.string(),
  outbox: z
    .object({ lanes: z.array(outboxLaneSchema).describe('the outbox lanes this instance relays (leased among instances)') })
    .optional(),
  consumers: z.array(
    z.object({
      group: z.string(),
      partitions: z.array(partitionLagSchema),
      error: z.string().optional().describe('why the lag could not be read (the broker did not answer)'),
    }),
  ),
});

export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

type ConsumerStatus = ServiceStatus['consumers'][number];

/**
 * One consumer group's entry. A broker that fails or does not answer within `timeoutMs` (default 2 s) becomes an
 * `error`, not a failed or hanging status call.
 */
export const consumerStatus = async (
  group: string,
  lag: () => Promise<ConsumerStatus['partitions']>,
  timeoutMs = 2_000,
): Promise<ConsumerStatus> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { group, partitions: await Promise.race([lag(), timeout]) };
  } catch (error) {
    return { group, partitions: [], error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
};

/**
 * `GET /status`: the outbox lanes an instance relays and the lag of its consumer groups, for operators (is the
 * outbox draining, is a reaction or a projection behind?). Unlike `/health/ready`, it never fails because Kafka
 * lags: a service keeps taking commands while its outbox waits for the broker.
 */
export const statusRoute = (collect: () => Promise<ServiceStatus>): Route =>
  defineRoute({
    method: 'get',
    path: '/status',
    operationId: 'getStatus',
    summary: 'Outbox lanes and consumer-group lag of this instance',
    responses: { 200: { description: 'the status of this instance', schema: serviceStatusSchema } },
    handler: async () => ({ status: 200, body: await collect() }),
  });
