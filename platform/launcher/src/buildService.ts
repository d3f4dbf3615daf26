import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** Where a built service lives, and what it was built from (file → mtime), to build again only when that changed. */
type BuildRecord = { readonly inputs: Readonly<Record<string, number>> };

const mtimeOf = async (file: string): Promise<number | undefined> => {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
};

const isFresh = async (output: string, recordFile: string): Promise<boolean> => {
  if ((await mtimeOf(output)) === undefined) return false;
  let record: BuildRecord;
  try {
    record = JSON.parse(await readFile(recordFile, 'utf8')) as BuildRecord;
  } catch {
    return false;
  }
  for (const [file, mtime] of Object.entries(record.inputs)) if ((await mtimeOf(file)) !== mtime) return false;
  return true;
};

/**
 * waggle's own packages are bundled (they are TypeScript, exported as sources); everything from npm stays an
 * import resolved from node_modules at run time, as it would be without a bundle (native addons, WebAssembly and
 * lazily required optional dependencies keep working). Each module keeps its own `import.meta.url`, so a package
 * that finds its files beside its source (the Avro schemas) finds them from the bundle too.
 */
const sourcesOnly: Plugin = {
  name: 'waggle-sources',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@waggle/') ? undefined : { path: args.path, external: true }));
    plugin.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = source.includes('import.meta.url')
        ? source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        : source;
      return { contents, loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Builds a service's entry (TypeScript, relative to `root`) into one JavaScript file under `<root>/.waggle/build`,
 * unless the last build's inputs are unchanged, and returns its path: services run as plain JavaScript, with no
 * TypeScript loader in the process (less memory, no transpiling at start). Written beside and renamed into place,
 * so two launchers building at once never run a half-written file.
 */
export const buildService = async (root: string, name: string, entry: string): Promise<string> => {
  const outDir = join(root, '.waggle', 'build');
  const output = join(outDir, `${name}.mjs`);
  const recordFile = join(outDir, `${name}.inputs.json`);
  if (await isFresh(output, recordFile)) return output;
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    write: false,
    metafile: true,
    outfile: output,
    logLevel: 'silent',
    legalComments: 'none',
    // CommonJS dependencies bundled by accident still find `require`
    banner: { js: "import { createRequire as __waggleRequire } from 'node:module'; const require = __waggleRequire(import.meta.url);" },
    plugins: [sourcesOnly],
    absWorkingDir: root,
  });
  await mkdir(outDir, { recursive: true });
  const inputs: Record<string, number> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = join(root, input);
    const mtime = await mtimeOf(file);
    if (mtime !== undefined) inputs[file] = mtime;
  }
  const suffix = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) {
    await writeFile(`${file.path}${suffix}`, file.contents);
    await rename(`${file.path}${suffix}`, file.path);
  }
  await writeFile(`${recordFile}${suffix}`, JSON.stringify({ inputs } satisfies BuildRecord));
  await rename(`${recordFile}${suffix}`, recordFile);
  return output;
};
