import { ValidationError, WaggleError } from '@waggle/errors';
import {
  compactLake,
  loadLakeSettings,
  namedQueries,
  openLake,
  openLakeStore,
  verifyLake,
  type LakeSelection,
  type LakeStore,
  type QueryResult,
} from '@waggle/lake-sink';
import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';

/** Runs `work` on the lake LAKE_URL names (default: the local stack's folder), a bad setting being bad input. */
const withLake = async <T>(work: (store: LakeStore) => Promise<T>): Promise<T> => {
  let store: LakeStore;
  try {
    store = openLakeStore(loadLakeSettings(process.env));
  } catch (error) {
    if (error instanceof WaggleError) throw new CliError(error.message, exitCodes.usage, { cause: error });
    throw error;
  }
  try {
    return await work(store);
  } finally {
    store.close();
  }
};

const day = /^\d{4}-\d{2}-\d{2}$/;

/** `--topics`, `--from`, `--to` as a selection of files (an S3 lake downloads only those). */
const toSelection = (options: { topics?: string; from?: string; to?: string }): LakeSelection => {
  for (const [name, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    if (value !== undefined && !day.test(value))
      throw new CliError(`${name} must be a UTC day like 2026-11-20, got ${value}`, exitCodes.usage);
  }
  let topics: RegExp | undefined;
  try {
    topics = options.topics === undefined ? undefined : new RegExp(options.topics);
  } catch (error) {
    throw new CliError(`--topics must be a regular expression: ${(error as Error).message}`, exitCodes.usage);
  }
  return {
    ...(topics === undefined ? {} : { topics }),
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to }),
  };
};

const cellText = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
};

const csvCell = (value: unknown): string => {
  const text = cellText(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

const shorten = (text: string, max = 80): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const print = (result: QueryResult, format: 'table' | 'json' | 'csv'): void => {
  if (format === 'json') {
    console.log(JSON.stringify(result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i] ?? null])))));
    return;
  }
  if (format === 'csv') {
    console.log([result.columns.map(csvCell).join(','), ...result.rows.map((row) => row.map(csvCell).join(','))].join('\n'));
    return;
  }
  console.log(
    formatTable(
      result.columns,
      result.rows.map((row) => row.map((value) => shorten(cellText(value)))),
    ),
  );
  console.log(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
};

const namedHelp = namedQueries
  .map((q) => `  ${[q.name, ...q.params.map((p) => `<${p}>`)].join(' ').padEnd(30)} ${q.description}`)
  .join('\n');

const query = async (
  sqlOrName: string | undefined,
  args: string[],
  options: { json?: boolean; csv?: boolean; topics?: string; from?: string; to?: string },
): Promise<void> => {
  if (options.json === true && options.csv === true) throw new CliError('choose one of --json and --csv', exitCodes.usage);
  if (sqlOrName === undefined) {
    console.log(`named queries (waggle lake query <name> [args]):\n${namedHelp}\n\nor any SQL over the view "events".`);
    return;
  }
  const named = namedQueries.find((q) => q.name === sqlOrName);
  if (named !== undefined && args.length !== named.params.length) {
    throw new CliError(
      `${named.name} takes ${named.params.length === 0 ? 'no arguments' : named.params.map((p) => `<${p}>`).join(' ')}, got ${args.length}`,
      exitCodes.usage,
    );
  }
  if (named === undefined && args.length > 0) {
    throw new CliError(
      `unknown named query ${sqlOrName}; quote a SQL statement as one argument, or pick one of:\n${namedHelp}`,
      exitCodes.usage,
    );
  }
  const selection = toSelection(options);
  await withLake(async (store) => {
    const lake = await openLake(store, { selection });
    try {
      const result = await lake.query(named?.sql ?? sqlOrName, args).catch((error: unknown) => {
        if (error instanceof ValidationError)
          throw new CliError(`the query is not valid: ${error.message}`, exitCodes.usage, { cause: error });
        throw error;
      });
      print(result, options.json === true ? 'json' : options.csv === true ? 'csv' : 'table');
    } finally {
      lake.close();
    }
  });
};

const verify = async (options: { json?: boolean; topics: string }): Promise<void> => {
  let topicPattern: RegExp;
  try {
    topicPattern = new RegExp(options.topics);
  } catch (error) {
    throw new CliError(`--topics must be a regular expression: ${(error as Error).message}`, exitCodes.usage);
  }
  const endpoints = loadStackEndpoints();
  await endpoints.requireKafka();
  const { report, dir } = await withLake(async (store) => ({
    report: await verifyLake(store, { brokers: endpoints.brokers, topicPattern, logger: endpoints.logger }),
    dir: store.url,
  }));
  if (options.json === true) console.log(JSON.stringify(report));
  else {
    const rows = report.partitions.map((p) => [
      p.topic,
      String(p.partition),
      String(p.files),
      String(p.rows),
      p.firstOffset === null ? '-' : `${p.firstOffset}..${p.lastOffset}`,
      p.kafkaHigh === null ? '-' : `${p.kafkaLow}..${BigInt(p.kafkaHigh) - 1n}`,
      String(p.behind),
      p.problems.length === 0 ? 'ok' : p.problems.join('; '),
    ]);
    console.log(formatTable(['TOPIC', 'PARTITION', 'FILES', 'ROWS', 'LAKE OFFSETS', 'KAFKA OFFSETS', 'BEHIND', 'CHECK'], rows));
    for (const orphan of report.orphans) console.log(`orphan (not in the manifest): ${orphan}`);
    console.log(report.ok ? `\nlake ${dir}: every file read in full; no gap, no overlap` : `\nlake ${dir}: PROBLEMS found`);
  }
  if (!report.ok) process.exitCode = exitCodes.failure;
};

const compact = async (options: { topic?: string; date?: string }): Promise<void> => {
  if (options.date !== undefined && !day.test(options.date))
    throw new CliError(`--date must be a UTC day like 2026-11-20, got ${options.date}`, exitCodes.usage);
  const report = await withLake((store) => compactLake(store, options));
  if (report.merged.length === 0) console.log('nothing to compact: no partition-day has two or more consecutive small files');
  else {
    console.log(
      formatTable(
        ['TOPIC', 'PARTITION', 'DATE', 'FILES MERGED', 'ROWS', 'FILE'],
        report.merged.map((m) => [m.topic, String(m.partition), m.date, String(m.files), String(m.rows), m.file]),
      ),
    );
  }
  for (const busy of report.busy) console.log(`skipped ${busy}: another compaction holds it`);
};

/** `waggle lake`: query the data lake with SQL, check it against Kafka, compact its small files. */
export const lakeCommand = (): Command => {
  const command = new Command('lake').description('the data lake (every event in Parquet): query it, verify it, compact it');
  command
    .command('query')
    .description('run SQL (DuckDB) over the view "events", or a named query')
    .argument('[sql-or-name]', 'a SQL statement in quotes, or a named query; none lists the named queries')
    .argument('[args...]', "the named query's arguments")
    .option('--json', 'a JSON array of objects')
    .option('--csv', 'CSV with a header line')
    .option('--topics <regex>', 'read only the files of matching topics (an s3:// lake downloads only those)')
    .option('--from <YYYY-MM-DD>', 'read only files of this UTC day or later')
    .option('--to <YYYY-MM-DD>', 'read only files of this UTC day or earlier')
    .addHelpText(
      'after',
      `
Named queries:
${namedHelp}

The view "events" has one row per Kafka record: topic, partition, "offset" (quote it: a SQL keyword), key,
event_type, schema_id, stream_id, stream_version, ce_id, ce_type, ce_source, ce_time, correlation_id,
causation_id, traceparent, payload (JSON text; json_extract_string(payload, '$.field')), value (the raw bytes),
decode_error, kafka_timestamp, and the Hive partition keys topic and date. LAKE_URL says where the lake is:
file://… (default: the local stack's .waggle/lake) or s3://bucket/prefix (LAKE_S3_ENDPOINT, LAKE_S3_ACCESS_KEY_ID,
LAKE_S3_SECRET_ACCESS_KEY); an S3 lake's committed files are downloaded to LAKE_CACHE_DIR (.waggle/lake-cache)
once each and DuckDB reads them there.

Examples:
  $ waggle lake query types-per-day
  $ waggle lake query stream b-42
  $ waggle lake query "SELECT topic, count(*) FROM events GROUP BY 1" --csv
  $ waggle lake query types-per-day --topics '^bookings[.]' --from 2026-11-20`,
    )
    .action(query);
  command
    .command('verify')
    .description("check every partition's files against Kafka (no gap, no overlap) and read every file in full")
    .option('--topics <regex>', 'the topics the sink consumes', '\\.events$')
    .option('--json', 'the report as JSON')
    .action(verify);
  command
    .command('compact')
    .description("merge each partition-day's small files into one, atomically (safe while the sink runs)")
    .option('--topic <topic>', 'only this topic')
    .option('--date <YYYY-MM-DD>', 'only this UTC day')
    .action(compact);
  return command;
};
