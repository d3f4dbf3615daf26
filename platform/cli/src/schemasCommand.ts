import { loadSchemas, schemasRoot } from '@waggle/schemas';
import { createRegistryReader, type RegisteredSchema } from '@waggle/serde';
import { Command } from 'commander';
import { relative } from 'node:path';
import { formatTable } from './formatTable.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';

// a registry shared by many test runs holds hundreds of subjects; ask a few at a time, not all at once
const concurrency = 8;

const mapLimited = async <T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

const schemas = async (options: { json?: boolean }): Promise<void> => {
  const endpoints = loadStackEndpoints();
  const reader = createRegistryReader({ url: endpoints.registryUrl });
  const subjects = await endpoints.withRegistry(() => reader.subjects());
  const latest = await endpoints.withRegistry(() => mapLimited(subjects, (subject) => reader.latest(subject)));
  // a subject deleted between the two calls is simply gone
  const registered = latest
    .filter((s): s is RegisteredSchema => s !== undefined)
    .map(({ subject, version, id }) => ({ subject, version, id }));
  const names = new Set(subjects);
  // each local schema belongs on its context's topic, so that is the subject it should be registered under
  const unregistered = loadSchemas(schemasRoot)
    .map((s) => ({ fullName: s.fullName, subject: `${s.context}.events-${s.fullName}`, file: relative(process.cwd(), s.file) }))
    .filter((s) => !names.has(s.subject));

  if (options.json === true) {
    console.log(JSON.stringify({ subjects: registered, unregistered }));
    return;
  }
  console.log(
    formatTable(
      ['SUBJECT', 'VERSION', 'ID'],
      registered.map((s) => [s.subject, String(s.version), String(s.id)]),
    ),
  );
  console.log(
    unregistered.length === 0
      ? '\nevery local schema is registered on its topic'
      : `\nlocal schemas not registered on their topic (waggle produce registers them on first use):\n${formatTable(
          ['SUBJECT', 'FILE'],
          unregistered.map((s) => [s.subject, s.file]),
        )}`,
  );
};

/** `waggle schemas`: what the schema registry holds, and which of schemas/ it does not. */
export const schemasCommand = (): Command =>
  new Command('schemas')
    .description('list registered subjects with their latest version and id, and local schemas not registered yet')
    .option('--json', 'a JSON object { subjects, unregistered }, for scripts')
    .addHelpText(
      'after',
      `
Subjects are named <topic>-<record full name>; a local schema counts as registered when its subject on
<context>.events exists.

Examples:
  $ waggle schemas
  $ waggle schemas --json | jq '.unregistered[].subject'`,
    )
    .action(schemas);
