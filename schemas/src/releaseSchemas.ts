import { mkdirSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { checkCompatibility } from './checkCompatibility.ts';
import { loadReleased } from './loadReleased.ts';
import { loadSchemas } from './loadSchemas.ts';

/** A schema version recorded by {@link releaseSchemas}. */
export type Release = { readonly fullName: string; readonly version: number; readonly file: string };

/**
 * Records, as `<releasedDir>/<fullName>.v<N+1>.avsc`, every schema under `root` that differs from its latest
 * released version (or was never released). Refuses, releasing nothing, while {@link checkCompatibility}
 * finds a problem, so a released version is always compatible with all before it. Files are formatted
 * with the repository's Prettier settings, so they pass `prettier --check`.
 */
export const releaseSchemas = async (root: string, releasedDir: string = join(root, 'released')): Promise<Release[]> => {
  const problems = checkCompatibility(root, releasedDir);
  if (problems.length > 0) throw new Error(`cannot release incompatible schemas:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
  const released = loadReleased(releasedDir);
  const prettierOptions = (await resolveConfig(fileURLToPath(import.meta.url))) ?? {};
  const releases: Release[] = [];
  for (const schema of loadSchemas(root)) {
    const versions = released.filter((r) => r.fullName === schema.fullName);
    const latest = versions.at(-1);
    if (latest !== undefined && isDeepStrictEqual(latest.schema, schema.schema)) continue;
    const version = (latest?.version ?? 0) + 1;
    const file = join(releasedDir, `${schema.fullName}.v${version}.avsc`);
    mkdirSync(releasedDir, { recursive: true });
    writeFileSync(file, await format(JSON.stringify(schema.schema), { ...prettierOptions, parser: 'json' }));
    releases.push({ fullName: schema.fullName, version, file });
  }
  return releases;
};
