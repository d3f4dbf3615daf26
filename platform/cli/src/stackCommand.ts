import { loadStackConfig, stackDown, stackReset, stackStatus, stackUp, toEnvLines, versions, type ComponentStatus } from '@waggle/stack';
import { Command } from 'commander';

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const statusLine = (s: ComponentStatus): string => {
  const state = s.mode === 'external' ? 'external' : s.pid === undefined ? 'stopped' : `running pid ${s.pid}`;
  const memory = s.rssMiB === undefined ? '' : `  ${s.rssMiB} MiB`;
  const answer = s.pid === undefined && s.mode === 'local' ? '' : s.answering ? '  answering' : '  NOT answering';
  return `${s.name.padEnd(9)} ${state.padEnd(18)} ${s.address}${answer}${memory}`;
};

/** `waggle stack …`: the local Kafka + schema registry + MongoDB-compatible stack, without Docker. */
export const stackCommand = (): Command => {
  const stack = new Command('stack').description(
    `the local stack without Docker: Kafka ${versions.kafka} (KRaft), Apicurio Registry ${versions.apicurio}, FerretDB ${versions.ferretdb}`,
  );

  stack
    .command('up')
    .description('start what is not running and wait until it answers (idempotent)')
    .addHelpText('after', '\nExample:\n  $ waggle stack up && eval "$(waggle stack env)"')
    .action(async () => {
      const config = loadStackConfig();
      const began = performance.now();
      const outcomes = await stackUp(config, (line) => console.log(line));
      for (const o of outcomes)
        console.log(`${o.name.padEnd(9)} ${o.outcome}${o.pid === undefined ? '' : ` (pid ${o.pid})`}  ${o.address}`);
      const startedAny = outcomes.some((o) => o.outcome === 'started');
      console.log(startedAny ? `stack up in ${seconds(began)}; data and logs in ${config.stateDir}` : 'stack already up; nothing to do');
    });

  stack
    .command('down')
    .description('stop the local stack; no process is left behind')
    .addHelpText('after', '\nExample:\n  $ waggle stack down')
    .action(async () => {
      const stopped = await stackDown(loadStackConfig());
      for (const s of stopped)
        console.log(`${s.name.padEnd(9)} stopped (pid ${s.pid}${s.how === 'killed' ? ', killed after its grace period' : ''})`);
      console.log(stopped.length === 0 ? 'stack was not running' : 'stack down');
    });

  stack
    .command('status')
    .description('show each component: running or not, pid, memory, whether it answers (exit 1 unless all answer)')
    .addHelpText('after', '\nExample:\n  $ waggle stack status')
    .action(async () => {
      const statuses = await stackStatus(loadStackConfig());
      for (const s of statuses) console.log(statusLine(s));
      if (!statuses.every((s) => s.answering)) process.exitCode = 1;
    });

  stack
    .command('reset')
    .description('stop the local stack and wipe its data and logs (downloads stay cached)')
    .addHelpText('after', '\nExample:\n  $ waggle stack reset && waggle stack up')
    .action(async () => {
      const config = loadStackConfig();
      await stackReset(config);
      console.log(`stack stopped and ${config.stateDir} wiped`);
    });

  stack
    .command('env')
    .description("print KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL as export lines for a shell's eval")
    .addHelpText('after', '\nExample:\n  $ eval "$(waggle stack env)"   # the programs this shell starts then see them')
    .action(() => {
      // exported, so that what the shell starts sees them; quoted, since a URL may hold ? and &
      for (const line of toEnvLines(loadStackConfig())) {
        const at = line.indexOf('=');
        console.log(`export ${line.slice(0, at)}='${line.slice(at + 1).replaceAll("'", "'\\''")}'`);
      }
    });

  return stack;
};
