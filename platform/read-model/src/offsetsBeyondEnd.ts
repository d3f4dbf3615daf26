import { WaggleError } from '@waggle/errors';
import type { TopicDescription } from '@waggle/kafka-bus';
import type { ReflectedOffset } from './mongoOffsets.ts';

/** A reflected offset the topic does not have: `end` is the partition's end offset, undefined when it has no such partition. */
export type OffsetBeyondEnd = ReflectedOffset & { readonly end: string | undefined };

/**
 * The reflected offsets of `topics` that lie at or past their partition's end: the read model holds records the
 * topic no longer has (it was deleted and created again, or moved to another cluster). Applying on would skip every
 * new record up to the old offset.
 */
export const findOffsetsBeyondEnd = (
  reflected: readonly ReflectedOffset[],
  described: readonly TopicDescription[],
  topics: readonly string[],
): OffsetBeyondEnd[] =>
  reflected.flatMap((entry) => {
    if (!topics.includes(entry.topic)) return [];
    const end = described.find((t) => t.topic === entry.topic)?.partitions.find((p) => p.partition === entry.partition)?.high;
    return end === undefined || BigInt(entry.offset) >= BigInt(end) ? [{ ...entry, end }] : [];
  });

/** Why a read model refuses to start on offsets beyond its topics' ends, and what to do about it. */
export const offsetsBeyondEndError = (name: string, beyond: readonly OffsetBeyondEnd[]): WaggleError =>
  new WaggleError(
    `${name} reflects records its topics do not have, so the topics were recreated since it was built: ` +
      beyond
        .map(({ topic, partition, offset, end }) =>
          end === undefined
            ? `${topic}/${partition} reflects offset ${offset} but the topic has no partition ${partition}`
            : `${topic}/${partition} reflects offset ${offset} but the partition ends at ${end}`,
        )
        .join('; ') +
      `. It would skip every new record up to those offsets, so it stops. Rebuild it from the topics as they are now: ` +
      `start it on a new database (MONGO_DB) and switch to it, or drop its database and start it again.`,
    { retriable: false },
  );
