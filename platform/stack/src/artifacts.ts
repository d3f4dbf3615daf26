import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StackError } from './stackError.ts';
import { assertTool } from './toolchain.ts';

const run = promisify(execFile);

/** Pinned versions of what the local stack runs. */
export const versions = { kafka: '4.1.1', apicurio: '3.3.3', ferretdb: 'v1.24.2' } as const;

const infraDir = fileURLToPath(new URL('../infra/', import.meta.url));
const mavenDependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export type Report = (line: string) => void;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const hashFiles = async (paths: readonly string[]): Promise<string> => {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(await readFile(path));
  return hash.digest('hex').slice(0, 12);
};

const runLogged = async (
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; what: string; timeoutMs: number },
): Promise<void> => {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, MAVEN_OPTS: process.env['MAVEN_OPTS'] ?? '-Xmx512m' },
    });
    await writeFile(options.logFile, stdout + stderr);
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: unknown };
    await writeFile(options.logFile, `${failure.stdout ?? ''}${failure.stderr ?? ''}`);
    throw new StackError(`could not fetch ${options.what} (${command} exit ${String(failure.code)}); its output is in ${options.logFile}`, {
      cause: error,
    });
  }
};

/** The Kafka broker + tools classpath, resolved by Maven into ~/.m2 once and remembered per pom.xml content. */
export const resolveKafkaClasspath = async (cacheDir: string, report: Report): Promise<string> => {
  const pom = join(infraDir, 'kafka', 'pom.xml');
  const file = join(cacheDir, `kafka-${versions.kafka}-${await hashFiles([pom])}.classpath`);
  if (await exists(file)) {
    const classpath = (await readFile(file, 'utf8')).trim();
    const jars = classpath.split(':');
    if (jars.length > 0 && (await Promise.all(jars.map(exists))).every(Boolean)) return classpath;
  }
  await assertTool('mvn', `download Kafka ${versions.kafka}`);
  report(`kafka: resolving Kafka ${versions.kafka} jars from Maven Central (first run only)`);
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await runLogged(
    'mvn',
    ['-B', '-q', '-f', pom, `${mavenDependencyPlugin}:build-classpath`, '-Dmdep.includeScope=runtime', `-Dmdep.outputFile=${tmp}`],
    {
      cwd: cacheDir,
      logFile: join(cacheDir, 'kafka-mvn.log'),
      what: `org.apache.kafka:kafka_2.13:${versions.kafka} and its dependencies`,
      timeoutMs: 15 * 60_000,
    },
  );
  await rename(tmp, file);
  return (await readFile(file, 'utf8')).trim();
};

/** The unpacked Apicurio Registry archive (`io.apicurio:apicurio-registry-app:<v>:tar.gz:all`); returns its quarkus-run.jar. */
export const resolveApicurio = async (cacheDir: string, report: Report): Promise<string> => {
  const home = join(cacheDir, `apicurio-registry-${versions.apicurio}`);
  const jar = join(home, 'quarkus-run.jar');
  if (await exists(jar)) return jar;
  await assertTool('mvn', `download Apicurio Registry ${versions.apicurio}`);
  const artifact = `io.apicurio:apicurio-registry-app:${versions.apicurio}:tar.gz:all`;
  report(`registry: downloading ${artifact} from Maven Central (160 MB, first run only)`);
  const downloads = join(cacheDir, `downloads-${process.pid}`);
  await mkdir(downloads, { recursive: true });
  try {
    await runLogged('mvn', ['-B', '-q', `${mavenDependencyPlugin}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${downloads}`], {
      cwd: cacheDir,
      logFile: join(cacheDir, 'apicurio-mvn.log'),
      what: artifact,
      timeoutMs: 20 * 60_000,
    });
    const unpacked = `${home}.${process.pid}.tmp`;
    await mkdir(unpacked, { recursive: true });
    const archive = join(downloads, `apicurio-registry-app-${versions.apicurio}-all.tar.gz`);
    await runLogged('tar', ['-xzf', archive, '-C', unpacked], {
      cwd: cacheDir,
      logFile: join(cacheDir, 'apicurio-tar.log'),
      what: `${artifact} (unpacking)`,
      timeoutMs: 5 * 60_000,
    });
    if (!(await exists(join(unpacked, 'quarkus-run.jar')))) {
      throw new StackError(`${artifact} has no quarkus-run.jar at its root; pick a 3.3.x release`);
    }
    await rename(unpacked, home);
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
  return jar;
};

/** A textual edit of one FerretDB source file; `from` must occur exactly once. */
type SourceEdit = { readonly file: string; readonly from: string; readonly to: string; readonly why: string };

const sqliteBackend = join('internal', 'backends', 'sqlite');

const handler = join('internal', 'handler');
const lockNamespace = '\tdefer waggleLockNamespace(params.DB, params.Collection)()\n\n';

/**
 * What the stack changes in FerretDB v1.24 (the added Go files are in infra/ferretdb/_patches; README.md says why).
 * The SQLite backend edits were each found by EXPLAIN on a live server; query results are unchanged (FerretDB's
 * handler filters every result again in Go), they only let SQLite answer from the `_id` index instead of scanning the
 * table. The handler edits make update, findAndModify and delete atomic per collection, as MongoDB's single-document
 * writes are: FerretDB reads, modifies in Go and writes back with nothing in between (stackSmoke.int.spec.ts shows
 * what that lost).
 */
const ferretDbEdits: readonly SourceEdit[] = [
  {
    why: 'update read and wrote back without a lock: concurrent $inc lost increments, upserts of one _id hit E11000',
    file: join(handler, 'msg_update.go'),
    from: 'func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {\n',
    to: `func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {\n${lockNamespace}`,
  },
  {
    why: 'findAndModify read and wrote back without a lock',
    file: join(handler, 'msg_findandmodify.go'),
    from: 'func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n',
    to: `func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n${lockNamespace}`,
  },
  {
    why: 'delete chose its documents and deleted them without a lock: racing deleteOne calls deleted one document',
    file: join(handler, 'msg_delete.go'),
    from: '\t\td, err = h.execDelete(connCtx, c, &p)\n',
    to: '\t\tunlock := waggleLockNamespace(params.DB, params.Collection)\n\t\td, err = h.execDelete(connCtx, c, &p)\n\t\tunlock()\n',
  },
  {
    why: 'queries said `->\'$._id\'` while the index is on `->"_id"`; SQLite matches index expressions textually',
    file: join(sqliteBackend, 'metadata', 'metadata.go'),
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + \`->"_id"\``,
  },
  {
    why: '`{_id: {$in: [...]}}` scanned the table (query path)',
    file: join(sqliteBackend, 'collection.go'),
    from: '\t\tcase string, types.ObjectID:\n\t\t\twhereClause = ',
    to: '\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\tcase string, types.ObjectID:\n\t\t\twhereClause = ',
  },
  {
    why: '`{_id: {$in: [...]}}` scanned the table (explain path, so that explain tells the truth)',
    file: join(sqliteBackend, 'collection.go'),
    from: '\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = true\n',
    to: '\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\t\tfilterPushdown = whereClause != ""\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = true\n',
  },
  {
    why: 'a filter on `_id` and other fields (a revision-guarded replace, a fenced update) scanned the table (query path)',
    file: join(sqliteBackend, 'collection.go'),
    from: '\tif params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\tcase string',
    to: '\tif params.Filter.Len() > 0 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\tcase string',
  },
  {
    why: 'a filter on `_id` and other fields scanned the table (explain path; the rest of the filter is not pushed down)',
    file: join(sqliteBackend, 'collection.go'),
    from: '\tif params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\t\tfilterPushdown = whereClause != ""\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = true\n',
    to: '\tif params.Filter.Len() > 0 {\n\t\tonlyID := params.Filter.Len() == 1\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase *types.Document:\n\t\t\twhereClause, args = waggleIDIn(v)\n\t\t\tfilterPushdown = whereClause != "" && onlyID\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = onlyID\n',
  },
  {
    why: 'concurrent writers of one database collided in SQLite and slept in its busy handler (InsertAll)',
    file: join(sqliteBackend, 'collection.go'),
    from: 'func (c *collection) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) {\n',
    to: 'func (c *collection) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) {\n\tdefer waggleLockWrites(c.dbName)()\n\n',
  },
  {
    why: 'concurrent writers of one database collided in SQLite and slept in its busy handler (UpdateAll)',
    file: join(sqliteBackend, 'collection.go'),
    from: 'func (c *collection) UpdateAll(ctx context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) {\n',
    to: 'func (c *collection) UpdateAll(ctx context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) {\n\tdefer waggleLockWrites(c.dbName)()\n\n',
  },
  {
    why: 'concurrent writers of one database collided in SQLite and slept in its busy handler (DeleteAll)',
    file: join(sqliteBackend, 'collection.go'),
    from: 'func (c *collection) DeleteAll(ctx context.Context, params *backends.DeleteAllParams) (*backends.DeleteAllResult, error) {\n',
    to: 'func (c *collection) DeleteAll(ctx context.Context, params *backends.DeleteAllParams) (*backends.DeleteAllResult, error) {\n\tdefer waggleLockWrites(c.dbName)()\n\n',
  },
];

/** Go files added to FerretDB, each into its package's directory. */
const ferretDbAddedFiles = [
  { file: 'waggle_id_in.go', into: sqliteBackend },
  { file: 'waggle_namespace_lock.go', into: handler },
  { file: 'waggle_write_lock.go', into: sqliteBackend },
];
const ferretDbPatchDir = join(infraDir, 'ferretdb', '_patches');

const ferretDbPatchKey = async (): Promise<string> => {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(ferretDbEdits));
  for (const { file } of ferretDbAddedFiles) hash.update(await readFile(join(ferretDbPatchDir, file)));
  return hash.digest('hex').slice(0, 12);
};

const patchedFerretDbSource = async (cacheDir: string, source: string, patchKey: string): Promise<string> => {
  const dir = join(cacheDir, `ferretdb-src-${versions.ferretdb}-patched-${patchKey}`);
  if (await exists(join(dir, 'go.mod'))) return dir;
  const { stdout } = await run('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${versions.ferretdb}`], { cwd: source });
  const downloaded = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!downloaded) throw new StackError(`could not fetch github.com/FerretDB/FerretDB@${versions.ferretdb} from the Go module proxy`);
  const tmp = `${dir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await cp(downloaded, tmp, { recursive: true });
  await run('chmod', ['-R', 'u+w', tmp]);
  for (const edit of ferretDbEdits) {
    const target = join(tmp, edit.file);
    const text = await readFile(target, 'utf8');
    if (text.split(edit.from).length !== 2) {
      throw new StackError(`a FerretDB patch (${edit.why}) no longer applies to ${edit.file} of ${versions.ferretdb}`);
    }
    await writeFile(target, text.replace(edit.from, edit.to));
  }
  for (const { file, into } of ferretDbAddedFiles) await cp(join(ferretDbPatchDir, file), join(tmp, into, file));
  await rename(tmp, dir);
  return dir;
};

/** The FerretDB launcher (infra/ferretdb), built with Go from the module proxy once per source change. */
export const resolveFerretDb = async (cacheDir: string, report: Report): Promise<string> => {
  const source = join(infraDir, 'ferretdb');
  const patchKey = await ferretDbPatchKey();
  const key = await hashFiles(['go.mod', 'go.sum', 'main.go'].map((f) => join(source, f)));
  const buildDir = join(cacheDir, `ferretdb-${versions.ferretdb}-${key}-patched-${patchKey}`);
  const binary = join(buildDir, 'waggle-ferretdb');
  if (await exists(binary)) return binary;
  await assertTool('go', `build FerretDB ${versions.ferretdb}`);
  report(`mongo: building FerretDB ${versions.ferretdb} with Go (first run only, a few minutes on 2 cores)`);
  await mkdir(cacheDir, { recursive: true });
  const patched = await patchedFerretDbSource(cacheDir, source, patchKey);
  // build a copy of the launcher whose go.mod points FerretDB at the patched source
  const module = join(buildDir, 'src');
  await mkdir(module, { recursive: true });
  for (const file of ['go.sum', 'main.go']) await cp(join(source, file), join(module, file));
  await writeFile(
    join(module, 'go.mod'),
    `${await readFile(join(source, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${patched}\n`,
  );
  const tmp = `${binary}.${process.pid}.tmp`;
  await runLogged('go', ['build', '-mod=mod', '-trimpath', '-o', tmp, '.'], {
    cwd: module,
    logFile: join(cacheDir, 'ferretdb-go.log'),
    what: `github.com/FerretDB/FerretDB@${versions.ferretdb} (go build)`,
    timeoutMs: 20 * 60_000,
  });
  await rename(tmp, binary);
  return binary;
};
