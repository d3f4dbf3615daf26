import { execFile } from 'node:child_process';
import { stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSchemas, schemasRoot } from '@waggle/schemas';
import { uniqueName } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { buildService } from './buildService.ts';
import { repoRoot } from './services.ts';

const run = promisify(execFile);
const entry = 'platform/launcher/fixtures/builtEntry.ts';

describe('a service built into JavaScript', () => {
  it('runs without a TypeScript loader and finds the files its packages keep beside their sources', async () => {
    const output = await buildService(repoRoot, uniqueName('built'), entry);
    const { stdout } = await run(process.execPath, [output], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual({ schemasRoot, schemas: loadSchemas().length });
  });

  it('is built again only when one of its sources changed', async () => {
    const name = uniqueName('built');
    const output = await buildService(repoRoot, name, entry);
    const { mtimeMs: first } = await stat(output);
    await buildService(repoRoot, name, entry);
    expect((await stat(output)).mtimeMs).toBe(first);
    // touching a source (same content, newer mtime) is a change
    const source = join(repoRoot, entry);
    const later = new Date(Date.now() + 2_000);
    await utimes(source, later, later);
    await buildService(repoRoot, name, entry);
    expect((await stat(output)).mtimeMs).toBeGreaterThan(first);
  });
});
