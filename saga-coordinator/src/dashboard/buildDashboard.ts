import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The dashboard's sources (saga-coordinator/ui) and the repository's git-ignored build folder. */
const uiRoot = fileURLToPath(new URL('../../ui/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const dashboardBuildDir = join(repoRoot, '.waggle', 'build', 'dashboard');

const newestSource = async (dir: string): Promise<number> => {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(path));
    else newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
};

const builtAt = async (): Promise<number> => {
  try {
    return (JSON.parse(await readFile(join(dashboardBuildDir, 'build.json'), 'utf8')) as { sourcesAt: number }).sourcesAt;
  } catch {
    return -1;
  }
};

/**
 * Builds the dashboard (Preact + TSX under saga-coordinator/ui) into `.waggle/build/dashboard` with esbuild, unless the
 * last build saw the same sources: the coordinator calls it at start, so built assets are never committed and never
 * stale. Written beside and renamed into place, so two coordinators building at once never serve a half-written file.
 */
export const buildDashboard = async (): Promise<string> => {
  const sourcesAt = Math.max(
    await newestSource(join(uiRoot, 'src')),
    ...(await Promise.all(['index.html', 'app.css'].map(async (file) => (await stat(join(uiRoot, file))).mtimeMs))),
  );
  if ((await builtAt()) === sourcesAt) return dashboardBuildDir;
  const result = await build({
    entryPoints: { app: join(uiRoot, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    write: false,
    outdir: dashboardBuildDir,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat', 'react/jsx-runtime': 'preact/jsx-runtime' },
    logLevel: 'silent',
    legalComments: 'none',
    absWorkingDir: uiRoot,
  });
  await mkdir(dashboardBuildDir, { recursive: true });
  // unique per build: coordinators in worker threads of one test process share a pid
  const suffix = `.${process.pid}.${randomUUID()}.tmp`;
  for (const file of result.outputFiles) {
    await writeFile(`${file.path}${suffix}`, file.contents);
    await rename(`${file.path}${suffix}`, file.path);
  }
  for (const asset of ['index.html', 'app.css']) {
    await copyFile(join(uiRoot, asset), join(dashboardBuildDir, `${asset}${suffix}`));
    await rename(join(dashboardBuildDir, `${asset}${suffix}`), join(dashboardBuildDir, asset));
  }
  await writeFile(join(dashboardBuildDir, `build.json${suffix}`), JSON.stringify({ sourcesAt }));
  await rename(join(dashboardBuildDir, `build.json${suffix}`), join(dashboardBuildDir, 'build.json'));
  return dashboardBuildDir;
};
