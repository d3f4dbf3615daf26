import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import type { ReflectedOffset } from './mongoOffsets.ts';

/** Parts of the key space a comparison is summed over (by a hash of the document id). */
export const keySpaceParts = 16;
const examplesKept = 5;

/** One document that differs between the versions: which top-level fields, with both values (null where absent). */
export type DifferenceExample = {
  readonly id: string;
  readonly kind: 'only-in-serving' | 'only-in-candidate' | 'different';
  readonly fields: readonly { readonly field: string; readonly serving: unknown; readonly candidate: unknown }[];
};

/** One part of the key space: how many documents and the hash of their contents, in each version. */
export type KeySpacePart = {
  readonly part: number;
  readonly serving: { readonly count: number; readonly hash: string };
  readonly candidate: { readonly count: number; readonly hash: string };
};

export type CollectionComparison = {
  readonly collection: string;
  readonly serving: number;
  readonly candidate: number;
  readonly parts: readonly KeySpacePart[];
  readonly differingParts: number;
  readonly examples: readonly DifferenceExample[];
};

/** What the switch found: both versions' documents compared at the offsets both reflected. */
export type VerificationReport = {
  readonly comparedAt: string;
  readonly servingVersion: number;
  readonly candidateVersion: number;
  /** Whether both versions reflected the same offsets while compared (their consumers held there). */
  readonly sameOffsets: boolean;
  /** Whether a version did not reach the end offsets within the hold's deadline (compared where they were). */
  readonly timedOut?: boolean;
  readonly offsets: readonly (ReflectedOffset & { readonly candidate: number | null })[];
  readonly equal: boolean;
  readonly collections: readonly CollectionComparison[];
};

type Doc = Record<string, unknown> & { _id: unknown };

/** JSON with keys sorted at every level, so equal contents hash alike whatever order their fields were written in. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
};

// the revision counts writes, which differ between a live version and a rebuilt one without any difference in content
const contentOf = ({ _revision, ...doc }: Doc): Doc => doc;
const digest = (text: string): Buffer => createHash('sha1').update(text).digest();
const partOf = (id: string): number => (digest(id)[0] ?? 0) % keySpaceParts;

type Summary = { count: number; hash: Buffer };

const summarise = async (db: Db, name: string): Promise<{ parts: Summary[]; count: number }> => {
  const parts = Array.from({ length: keySpaceParts }, () => ({ count: 0, hash: Buffer.alloc(20) }));
  let count = 0;
  for await (const doc of db.collection<Doc>(name).find({})) {
    const id = String(doc._id);
    const part = parts[partOf(id)]!;
    const hash = digest(`${id}\u0000${canonical(contentOf(doc))}`);
    // XOR of the documents' hashes: independent of the order they are read in, and ids are unique
    for (let i = 0; i < 20; i++) part.hash[i] = (part.hash[i] ?? 0) ^ (hash[i] ?? 0);
    part.count += 1;
    count += 1;
  }
  return { parts, count };
};

const documentsOf = async (db: Db, name: string, parts: ReadonlySet<number>): Promise<Map<string, Doc>> => {
  const found = new Map<string, Doc>();
  for await (const doc of db.collection<Doc>(name).find({})) {
    const id = String(doc._id);
    if (parts.has(partOf(id))) found.set(id, contentOf(doc));
  }
  return found;
};

const differingFields = (serving: Doc | undefined, candidate: Doc | undefined): DifferenceExample['fields'] => {
  const fields = new Set([...Object.keys(serving ?? {}), ...Object.keys(candidate ?? {})]);
  fields.delete('_id');
  return [...fields]
    .filter((field) => canonical(serving?.[field]) !== canonical(candidate?.[field]))
    .map((field) => ({ field, serving: serving?.[field], candidate: candidate?.[field] }));
};

/** Examples from the differing parts: documents missing on one side or with different contents. */
const examplesOf = async (db: Db, serving: string, candidate: string, parts: ReadonlySet<number>): Promise<DifferenceExample[]> => {
  const [a, b] = await Promise.all([documentsOf(db, serving, parts), documentsOf(db, candidate, parts)]);
  const examples: DifferenceExample[] = [];
  for (const id of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (examples.length >= examplesKept) break;
    const [x, y] = [a.get(id), b.get(id)];
    if (x !== undefined && y !== undefined && canonical(x) === canonical(y)) continue;
    const kind = x === undefined ? 'only-in-candidate' : y === undefined ? 'only-in-serving' : 'different';
    examples.push({ id, kind, fields: kind === 'different' ? differingFields(x, y) : [] });
  }
  return examples;
};

/**
 * Compares the document collections of two versions (pairs of names, serving first): per part of the key space,
 * the document count and a hash of the contents (the revision left out), and for the parts that differ up to five
 * example documents with the fields that differ.
 */
export const compareCollections = async (
  db: Db,
  pairs: readonly { readonly serving: string; readonly candidate: string; readonly name: string }[],
): Promise<CollectionComparison[]> =>
  Promise.all(
    pairs.map(async ({ serving, candidate, name }) => {
      const [a, b] = await Promise.all([summarise(db, serving), summarise(db, candidate)]);
      const parts = a.parts.map((part, index) => ({
        part: index,
        serving: { count: part.count, hash: part.hash.toString('hex') },
        candidate: { count: b.parts[index]?.count ?? 0, hash: b.parts[index]?.hash.toString('hex') ?? '' },
      }));
      const differing = new Set(
        parts.filter((p) => p.serving.count !== p.candidate.count || p.serving.hash !== p.candidate.hash).map((p) => p.part),
      );
      const examples = differing.size === 0 ? [] : await examplesOf(db, serving, candidate, differing);
      return { collection: name, serving: a.count, candidate: b.count, parts, differingParts: differing.size, examples };
    }),
  );
