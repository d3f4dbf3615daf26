import type { ConsumedRecord } from './consumedRecord.ts';
import { readDeadLetterHeaders } from './deadLetterHeaders.ts';
import { readRedriveInfo, readUnparkMarker } from './redriveHeaders.ts';

/** A key of one topic whose records are held back in the dead-letter topic, in order, until a redrive settles it. */
export type ParkedKey = {
  readonly topic: string;
  readonly partition: number;
  /** The key as UTF-8 text (aggregate ids are). */
  readonly key: string;
  /** Source offset of the record that failed first. */
  readonly since: string;
  /** Why that record failed: `<error class>: <message>`. */
  readonly reason: string;
  /** Dead letters of this key since it was parked (the failed record and those held behind it). */
  readonly records: number;
  /** The highest original source offset among them (`redrivenFrom` for copies): what a redrive must reach. */
  readonly lastFrom: bigint;
  /** The redrive whose copy failed again: its later copies are held back too, in order. */
  readonly failedRedrive?: string;
};

export type ParkEntry = {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly offset: string;
  readonly from: bigint;
  readonly reason: string;
  /** Set when the parked record is a copy of a redrive for this group that failed or was held back. */
  readonly redriveId?: string;
};

export type ParkedKeys = ReturnType<typeof createParkedKeys>;

const idOf = (topic: string, key: Buffer): string => `${topic}\u0000${key.toString('base64')}`;

/**
 * The keys one consumer group holds back. In memory, and rebuilt from the dead-letter topic (`rebuild`) whenever
 * the group's assignment changes, so a restarted or new member knows them: the dead-letter topic is the record.
 */
export const createParkedKeys = () => {
  const parked = new Map<string, ParkedKey>();

  const park = (entry: ParkEntry): ParkedKey => {
    const id = idOf(entry.topic, entry.key);
    const previous = parked.get(id);
    const failedRedrive = entry.redriveId ?? previous?.failedRedrive;
    const next: ParkedKey = {
      topic: entry.topic,
      partition: entry.partition,
      key: entry.key.toString('utf8'),
      since: previous?.since ?? entry.offset,
      reason: previous?.reason ?? entry.reason,
      records: (previous?.records ?? 0) + 1,
      lastFrom: previous === undefined || entry.from > previous.lastFrom ? entry.from : previous.lastFrom,
      ...(failedRedrive === undefined ? {} : { failedRedrive }),
    };
    parked.set(id, next);
    return next;
  };

  return {
    get: (topic: string, key: Buffer | null): ParkedKey | undefined => (key === null ? undefined : parked.get(idOf(topic, key))),
    park,
    unpark: (topic: string, key: Buffer): void => {
      parked.delete(idOf(topic, key));
    },
    list: (): ParkedKey[] => [...parked.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    /** Replaces what is known with what the dead-letter records (in their order) say about `groupId`. */
    rebuild: (records: readonly ConsumedRecord<never>[], groupId: string): void => {
      parked.clear();
      for (const record of records) {
        if (record.key === null) continue;
        const marker = readUnparkMarker(record.headers);
        if (marker !== undefined) {
          if (marker.group === groupId) parked.delete(idOf(marker.topic, record.key));
          continue;
        }
        const info = readDeadLetterHeaders(record.headers);
        if (info === undefined || info.consumerGroup !== groupId) continue;
        const redrive = readRedriveInfo(record.headers);
        const ownRedrive = redrive !== undefined && redrive.group === groupId ? redrive : undefined;
        park({
          topic: info.originalTopic,
          partition: info.originalPartition,
          key: record.key,
          offset: info.originalOffset,
          from: ownRedrive?.from ?? BigInt(info.originalOffset),
          reason: `${info.errorClass}: ${info.errorMessage}`,
          ...(ownRedrive === undefined ? {} : { redriveId: ownRedrive.id }),
        });
      }
    },
  };
};
