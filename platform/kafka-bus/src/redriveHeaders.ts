/**
 * Headers of waggle's parking and redrive protocol.
 *
 * A redriven record is a copy of a dead letter put back on its original topic: same key, value and event headers,
 * plus `redriveGroup` (the one group it is meant for: every other group saw the original and skips the copy),
 * `redriveId` (one redrive run), `redrivenFrom` (the source offset of the first original, kept across redrives)
 * and, on the last copy of a key, `redriveThrough` (the highest `redrivenFrom` of that key in the run).
 *
 * An unpark marker is a record on the dead-letter topic with the key and no value, written by the consumer group
 * once the last copy of a parked key was handled: the key's dead letters before it are settled.
 */
export const redriveHeaderNames = {
  redriveGroup: 'waggle_redrive-group',
  redriveId: 'waggle_redrive-id',
  redrivenFrom: 'waggle_redriven-from',
  redriveThrough: 'waggle_redrive-through',
  unparkedGroup: 'waggle_unparked-group',
  unparkedTopic: 'waggle_unparked-topic',
} as const;

/** The error class a record dead-lettered only because an earlier record of its key is parked carries. */
export const parkedKeyErrorClass = 'ParkedKeyError';

type Headers = Readonly<Record<string, Buffer | undefined>>;

const text = (headers: Headers, name: string): string | undefined => headers[name]?.toString('utf8');

/** What a redriven copy says about itself; undefined for an ordinary record. */
export type RedriveInfo = {
  readonly group: string;
  readonly id: string;
  readonly from: bigint;
  /** Present on the last copy of a key: the highest `from` of that key in the run. */
  readonly through?: bigint;
};

export const readRedriveInfo = (headers: Headers): RedriveInfo | undefined => {
  const group = text(headers, redriveHeaderNames.redriveGroup);
  const id = text(headers, redriveHeaderNames.redriveId);
  const from = text(headers, redriveHeaderNames.redrivenFrom);
  if (group === undefined || id === undefined || from === undefined || !/^\d+$/.test(from)) return undefined;
  const through = text(headers, redriveHeaderNames.redriveThrough);
  return { group, id, from: BigInt(from), ...(through !== undefined && /^\d+$/.test(through) ? { through: BigInt(through) } : {}) };
};

/** The unpark marker's group and source topic; undefined for a dead letter. */
export const readUnparkMarker = (headers: Headers): { readonly group: string; readonly topic: string } | undefined => {
  const group = text(headers, redriveHeaderNames.unparkedGroup);
  const topic = text(headers, redriveHeaderNames.unparkedTopic);
  return group === undefined || topic === undefined ? undefined : { group, topic };
};
