import type { Db } from 'mongodb';

/** A worker as the coordinator last saw it for a task type: its last poll (HTTP) and its last result (HTTP or Kafka). */
export type WorkerSighting = {
  readonly taskType: string;
  readonly workerId: string;
  readonly domain?: string;
  readonly lastPollTime?: number;
  readonly lastResultTime?: number;
};

type SightingDoc = WorkerSighting & { _id: string };

/**
 * Workers last seen, per task type: Conductor's poll data (who polled a queue, and when) and, for workers on Kafka that
 * never poll, the time of their last result. Each instance writes a worker's sighting at most once per `everyMs`, so a
 * worker polling ten times a second costs no write each time; a sighting is that much behind at most.
 */
export const createWorkerSightings = (db: Db, options: { readonly everyMs?: number } = {}) => {
  const sightings = db.collection<SightingDoc>('worker_sightings');
  const everyMs = options.everyMs ?? 1000;
  const written = new Map<string, number>();
  const see = async (
    kind: 'lastPollTime' | 'lastResultTime',
    sighting: { taskType: string; workerId: string; domain?: string | undefined },
    at: number,
  ): Promise<void> => {
    const id = JSON.stringify([sighting.taskType, sighting.domain ?? null, sighting.workerId]);
    const key = `${kind} ${id}`;
    if (at - (written.get(key) ?? 0) < everyMs) return;
    // a bound on what is remembered: forgetting only costs a write
    if (written.size > 10_000) written.clear();
    written.set(key, at);
    await sightings.updateOne(
      { _id: id },
      {
        $set: {
          taskType: sighting.taskType,
          workerId: sighting.workerId,
          ...(sighting.domain === undefined ? {} : { domain: sighting.domain }),
        },
        $max: { [kind]: at },
      },
      { upsert: true },
    );
  };
  return {
    start: async (): Promise<void> => {
      await sightings.createIndex({ taskType: 1 });
    },
    polled: (sighting: { taskType: string; workerId: string; domain?: string | undefined }, at = Date.now()) =>
      see('lastPollTime', sighting, at),
    reported: (sighting: { taskType: string; workerId: string }, at = Date.now()) => see('lastResultTime', sighting, at),
    /** Every sighting (of these task types), the most recent first. */
    list: async (taskTypes?: readonly string[]): Promise<WorkerSighting[]> => {
      const docs = await sightings
        .find(taskTypes === undefined ? {} : { taskType: { $in: [...taskTypes] } }, { projection: { _id: 0 } })
        .toArray();
      const last = (s: WorkerSighting) => Math.max(s.lastPollTime ?? 0, s.lastResultTime ?? 0);
      return docs.sort((a, b) => last(b) - last(a));
    },
  };
};

export type WorkerSightings = ReturnType<typeof createWorkerSightings>;
