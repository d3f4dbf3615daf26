import { Command } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { callCoordinator, readJsonArgument } from './sagaCommandClient.ts';

type Definition = { name: string; version?: number; description?: string; tasks?: unknown[] };

/** One definition or an array of them, from a file. */
const readDefinitions = async (file: string): Promise<Definition[]> => {
  const parsed = await readJsonArgument(`@${file}`, file);
  const defs = Array.isArray(parsed) ? parsed : [parsed];
  for (const def of defs)
    if (typeof def !== 'object' || def === null || typeof (def as Definition).name !== 'string')
      throw new CliError(`${file}: a workflow definition is a JSON object with a name (and tasks)`, exitCodes.usage);
  return defs as Definition[];
};

/** `waggle workflows register|validate|list`: Conductor workflow definitions on the saga coordinator. */
export const workflowsCommand = (): Command => {
  const command = new Command('workflows').description('Conductor workflow definitions on the saga coordinator');
  command
    .command('register')
    .description('register the workflow definition(s) of a JSON file (one object or an array); --overwrite updates a version')
    .argument('<file>', 'a Conductor WorkflowDef JSON file')
    .option('--overwrite', 'replace a registered name+version instead of failing')
    .option('--json', 'one JSON line per definition')
    .action(async (file: string, options: { overwrite?: boolean; json?: boolean }) => {
      for (const def of await readDefinitions(file)) {
        await callCoordinator('POST', `/api/metadata/workflow${options.overwrite ? '?overwrite=true' : ''}`, def);
        const version = def.version ?? 1;
        console.log(options.json ? JSON.stringify({ registered: def.name, version }) : `registered ${def.name} v${version}`);
      }
    });
  command
    .command('validate')
    .description('check the workflow definition(s) of a JSON file without registering them; exit 2 names each problem')
    .argument('<file>', 'a Conductor WorkflowDef JSON file')
    .option('--json', 'one JSON line per definition')
    .action(async (file: string, options: { json?: boolean }) => {
      for (const def of await readDefinitions(file)) {
        await callCoordinator('POST', '/api/metadata/workflow/validate', def);
        console.log(options.json ? JSON.stringify({ valid: def.name }) : `${def.name} is valid`);
      }
    });
  command
    .command('list')
    .description('registered workflow definitions, or every version of one name')
    .argument('[name]', 'only this definition')
    .option('--json', 'the definitions as JSON')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      const all = (await callCoordinator('GET', '/api/metadata/workflow')).json<Definition[]>();
      const defs = name === undefined ? all : all.filter((def) => def.name === name);
      if (name !== undefined && defs.length === 0) throw new CliError(`no workflow definition named ${name}`, exitCodes.usage);
      if (options.json) {
        console.log(JSON.stringify(defs));
        return;
      }
      console.log(
        formatTable(
          ['NAME', 'VERSION', 'TASKS', 'DESCRIPTION'],
          defs.map((def) => [def.name, String(def.version ?? 1), String(def.tasks?.length ?? 0), def.description ?? '']),
        ),
      );
    });
  return command;
};
