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
  state: z
    .enum(['relaying', 'starting', 'fenced', 'elsewhere', 'never started'])
    .describe(
      'relaying, starting (its claim failed: retrying) or fenced (taken over by a newer claim) on this instance; elsewhere: held by another instance; never started: held by none',
    ),
  holder: z.string().optional().describe('the relay instance that holds the lane (the last to claim it)'),
  epoch: z.number().int().optional().describe('the holder’s claim: a publisher with an older one is fenced'),
  cursor: z.number().int().describe('the last outbox seq of this lane acknowledged by Kafka'),
  head: z.number().int().optional().describe('the last outbox seq taken in this lane'),
  backlog: z.number().int().optional().describe('entries after the cursor not yet published (head − cursor)'),
  published: z.number().int().optional().describe('events this instance published from this lane since it started'),
  waiting: z.string().optional().describe('why the lane does not move: its last error, wherever it runs, or why it has not started'),
  failingForMs: z.number().optional().describe('how long the lane has failed without a break'),
  waitingForAckMs: z
    .number()
    .optional()
    .describe('how long the step in flight has waited for Kafka’s acknowledgement; a growing value means the broker is unreachable'),
});

const retryingSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string().describe('the record the partition is held on'),
  attempts: z.number().int(),
  since: z.string().describe('when the record first failed (ISO 8601)'),
  lastError: z.string(),
});

const parkedKeySchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  key: z.string(),
  since: z.string().describe('source offset of the record that failed'),
  reason: z.string(),
  records: z.number().int().describe('dead letters of this key since it was parked'),
  lastFrom: z.string(),
  failedRedrive: z.string().optional(),
});

const deadLetterDepthSchema = z.object({ topic: z.string(), dlqTopic: z.string(), records: z.number().int() });

/** What `GET /status` answers: the work in flight of one service instance. */
export const serviceStatusSchema = z.object({
  service: z.string(),
  outbox: z
    .object({
      instance: z.string().describe('this relay instance, as `holder` names it'),
      lanes: z.array(outboxLaneSchema).describe('every outbox lane of the service, whichever instance relays it (leased among instances)'),
      error: z.string().optional().describe('why only part of it is known (the relay ledger or the store did not answer)'),
    })
    .optional(),
  consumers: z.array(
    z.object({
      group: z.string(),
      state: z
        .enum(['new', 'running', 'crashed', 'stopped'])
        .optional()
        .describe('crashed: the member gave up and consumes nothing until the service restarts (readiness fails)'),
      crashError: z.string().optional().describe('why the member crashed'),
      partitions: z.array(partitionLagSchema),
      retrying: z
        .array(retryingSchema)
        .optional()
        .describe('partitions held on a record whose retriable failure recurs (an outage); they retry without limit'),
      parked: z
        .array(parkedKeySchema)
        .optional()
        .describe('keys held back behind a dead-lettered record until `waggle dlq redrive`; other keys flow'),
      deadLetters: z.array(deadLetterDepthSchema).optional().describe('records in each source topic’s dead-letter topic'),
      error: z.string().optional().describe('why the lag could not be read (the broker did not answer)'),
    }),
  ),
});

export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

type ConsumerStatus = ServiceStatus['consumers'][number];

/** What a consumer-group member tells about itself (the kafka-bus `Consumer` is one). */
export type ConsumerProbe = {
  readonly lag: () => Promise<ConsumerStatus['partitions']>;
  readonly status?: () => {
    readonly state: NonNullable<ConsumerStatus['state']>;
    readonly error?: string;
    readonly retrying: readonly NonNullable<ConsumerStatus['retrying']>[number][];
    readonly parked: readonly NonNullable<ConsumerStatus['parked']>[number][];
  };
  readonly deadLetters?: () => Promise<readonly NonNullable<ConsumerStatus['deadLetters']>[number][]>;
};

const withDeadline = async <T>(work: Promise<T>, timeoutMs: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * One consumer group's entry: lag per partition, and for a full probe its state, retrying partitions, parked keys
 * and dead-letter depth. A broker that fails or does not answer within `timeoutMs` (default 2 s) becomes an
 * `error`, not a failed or hanging status call.
 */
export const consumerStatus = async (
  group: string,
  probe: ConsumerProbe | ConsumerProbe['lag'],
  timeoutMs = 2_000,
): Promise<ConsumerStatus> => {
  const { lag, status, deadLetters } = typeof probe === 'function' ? { lag: probe } : probe;
  const own = status?.();
  const local =
    own === undefined
      ? {}
      : {
          state: own.state,
          retrying: [...own.retrying],
          parked: [...own.parked],
          ...(own.error === undefined ? {} : { crashError: own.error }),
        };
  try {
    const [partitions, depth] = await withDeadline(Promise.all([lag(), deadLetters?.()]), timeoutMs);
    return { group, ...local, partitions, ...(depth === undefined ? {} : { deadLetters: [...depth] }) };
  } catch (error) {
    return { group, ...local, partitions: [], error: error instanceof Error ? error.message : String(error) };
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
