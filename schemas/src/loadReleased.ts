import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A schema version that was released: producers may have written events with it, so it stays readable. */
export type ReleasedSchema = {
  readonly fullName: string;
  readonly version: number;
  readonly schema: Record<string, unknown>;
  readonly file: string;
};

const releasedFile = /^(?<fullName>.+)\.v(?<version>[1-9][0-9]*)\.avsc$/;

/** Reads `<releasedDir>/<fullName>.v<N>.avsc`, sorted by full name then version; an absent folder is no releases. */
export const loadReleased = (releasedDir: string): ReleasedSchema[] => {
  if (!existsSync(releasedDir)) return [];
  return readdirSync(releasedDir)
    .flatMap((name) => {
      const match = releasedFile.exec(name);
      if (match?.groups === undefined) return [];
      const file = join(releasedDir, name);
      const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      return [{ fullName: match.groups.fullName ?? '', version: Number(match.groups.version), schema, file }];
    })
    .sort((a, b) => (a.fullName === b.fullName ? a.version - b.version : a.fullName < b.fullName ? -1 : 1));
};
