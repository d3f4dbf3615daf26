import { setTimeout as delay } from 'node:timers/promises';
import { percentile, round } from '@waggle/bench';
import { createTailReader, type ConsumedRecord } from '@waggle/kafka-bus';
import { sagaTopics } from '@waggle/task-worker';
import { topicsOf } from '../src/index.ts';

/** One record of a booking's path: where it went, what it is, when it was made and when Kafka got it. */
type PathRecord = {
  readonly hop: string;
  readonly id: string;
  readonly causationId: string | undefined;
  readonly correlationId: string;
  /** `ce_time`: the event's append for a context's events; the relay's mapping for the coordinator's records. */
  readonly madeAt: number;
  /** The Kafka timestamp: when its producer (a relay, or a worker for a task result) sent it. */
  readonly sentAt: number;
};

export type StageStats = { readonly n: number; readonly p50: number; readonly p90: number; readonly max: number };

/** The task types of the booking saga (the coordinator's bundled airline workflows), happy path and compensation. */
const bookingTaskTypes = [
  'hold_seats',
  'authorize_payment',
  'confirm_booking',
  'confirm_seats',
  'capture_payment',
  'release_seats',
  'void_payment',
  'reject_booking',
  'cancel_booking',
  'refund_payment',
];

/** The topics a booking crosses in a run of the launcher, named as the launcher and the coordinator name them. */
const bookingPathTopics = (run: string): string[] => {
  const topics = topicsOf(run);
  const saga = sagaTopics(topics.SAGA_TOPIC_PREFIX);
  return [
    topics.BOOKINGS_TOPIC,
    topics.FLIGHTS_TOPIC,
    topics.PAYMENTS_TOPIC,
    topics.LOYALTY_TOPIC,
    saga.inputs,
    ...bookingTaskTypes.map((type) => saga.tasks(type)),
  ];
};

const header = (record: ConsumedRecord<never>, name: string): string | undefined => record.headers[name]?.toString();

/**
 * Reads every record of `topics` from the beginning, once the load is over (so that reading costs the measured run
 * nothing), and stops a topic's reader when it has brought nothing for `quietMs` (or at `limitMs`).
 */
const readPath = async (
  brokers: string,
  topics: readonly string[],
  run: string,
  quietMs = 3_000,
  limitMs = 60_000,
): Promise<PathRecord[]> => {
  const found: PathRecord[] = [];
  await Promise.all(
    topics.map(async (topic) => {
      let lastAt = performance.now();
      const reader = createTailReader({
        brokers,
        topic,
        fromBeginning: true,
        clientId: 'bench-pipeline-stages',
        onRecord: (record) => {
          lastAt = performance.now();
          const correlationId = header(record, 'correlation_id');
          const id = header(record, 'ce_id');
          const madeAt = Date.parse(header(record, 'ce_time') ?? '');
          if (correlationId === undefined || id === undefined || Number.isNaN(madeAt)) return;
          const type = header(record, 'ce_type')?.split('.').at(-1) ?? '?';
          const hop = `${topic.slice(run.length + 1)}:${type}`;
          found.push({ hop, id, causationId: header(record, 'causation_id'), correlationId, madeAt, sentAt: record.timestamp });
        },
      });
      try {
        await reader.start();
      } catch {
        return; // a topic nobody created in this run (a task type no booking needed): nothing crossed it
      }
      const began = performance.now();
      while (performance.now() - lastAt < quietMs && performance.now() - began < limitMs) await delay(250);
      await reader.stop();
    }),
  );
  return found;
};

/**
 * Where a booking's time goes, stage by stage, from the records' own times: for each record, its publish (`made →
 * on Kafka`: the relay's wait and produce) and the reaction that made it (its cause on Kafka → it made: the
 * consumer's wait, the decision and the append). Its cause is the record its `causation_id` names, or else the
 * latest record of the same booking on Kafka before it was made: for the coordinator's records (its task commands name
 * the execution's event, not the input), the latest of its inputs. Only the bookings in `bookingIds` count (one rate's).
 */
export const bookingPathStages = async (
  brokers: string,
  run: string,
  bookingIds: ReadonlySet<string>,
): Promise<Record<string, StageStats>> => {
  const records = (await readPath(brokers, bookingPathTopics(run), run)).filter((r) => bookingIds.has(r.correlationId));
  const byId = new Map(records.map((r) => [r.id, r]));
  const byBooking = new Map<string, PathRecord[]>();
  for (const record of records) byBooking.set(record.correlationId, [...(byBooking.get(record.correlationId) ?? []), record]);
  const samples = new Map<string, { order: number[]; ms: number[] }>();
  const add = (stage: string, ms: number, at: number): void => {
    const entry = samples.get(stage) ?? { order: [], ms: [] };
    entry.ms.push(ms);
    entry.order.push(at);
    samples.set(stage, entry);
  };
  for (const path of byBooking.values()) {
    path.sort((a, b) => a.sentAt - b.sentAt);
    const start = path[0]?.madeAt ?? 0;
    for (const record of path) {
      add(`publish ${record.hop}`, record.sentAt - record.madeAt, record.madeAt - start);
      const named = record.causationId === undefined ? undefined : byId.get(record.causationId);
      // the coordinator's records follow from its inputs: a context's event on Kafka at the same time is not the cause
      const candidates = record.hop.startsWith('saga.') ? path.filter((r) => r.hop.startsWith('saga.inputs:')) : path;
      const cause = named ?? candidates.filter((r) => r !== record && r.sentAt <= record.madeAt).at(-1);
      if (cause !== undefined) add(`react ${cause.hop} → ${record.hop}`, record.madeAt - cause.sentAt, record.madeAt - start);
    }
  }
  // in path order: by the median time into the booking at which each stage ends
  return Object.fromEntries(
    [...samples]
      .sort(([, a], [, b]) => percentile(a.order, 50) - percentile(b.order, 50))
      .map(([stage, { ms }]) => [
        stage,
        { n: ms.length, p50: round(percentile(ms, 50)), p90: round(percentile(ms, 90)), max: round(Math.max(...ms)) },
      ]),
  );
};
