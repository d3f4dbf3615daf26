import { lakeSinkService, launchServices, waggleServices } from '@waggle/launcher';
import { loadStackConfig, stackDown, stackStatus, stackUp, toEnvLines } from '@waggle/stack';
import { Command } from 'commander';
import { exitCodes } from './exitCodes.ts';

/** `waggle start` (what `npm start` runs): the local stack and every service, until Ctrl-C. */
export const startCommand = (): Command =>
  new Command('start')
    .description(
      'start the whole system: the local stack (unless KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGO_URL point elsewhere) and every service as its own process',
    )
    .option('--raw-logs', 'print the services’ JSON log lines as they are')
    .addHelpText('after', '\nExample:\n  $ npm start            # then, in another terminal: npx waggle demo')
    .action(async (options: { rawLogs?: boolean }) => {
      const config = loadStackConfig();
      const wasUp = (await stackStatus(config)).every((s) => s.answering);
      // what this start brought up is what its end stops: a server that was running already keeps running
      const started = wasUp
        ? []
        : (await stackUp(config, (line) => console.log(`[stack] ${line}`))).filter((o) => o.outcome === 'started').map((o) => o.name);
      // what `waggle stack env` prints (with WAGGLE_S3=1 also the lake's bucket); a setting of the caller's own wins
      const stackEnv = Object.fromEntries(
        toEnvLines(config).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      const env = {
        ...stackEnv,
        ...process.env,
        KAFKA_BROKERS: config.kafka.brokers,
        SCHEMA_REGISTRY_URL: config.registry.url,
        MONGO_URL: config.mongo.url,
      };
      const stopStack = async () => {
        if (started.length > 0) await stackDown(config, started);
      };
      // Ctrl-C in a terminal reaches the services too (same process group): note it first, so their exits are expected
      let stopRequested = false;
      const signal = new Promise<NodeJS.Signals>((resolve) => {
        for (const name of ['SIGINT', 'SIGTERM'] as const) {
          process.once(name, () => {
            stopRequested = true;
            resolve(name);
          });
        }
      });
      let launched;
      try {
        launched = await launchServices([...waggleServices, lakeSinkService], {
          env,
          write: (line) => console.log(line),
          colour: process.stdout.isTTY,
          raw: options.rawLogs === true,
        });
      } catch (error) {
        await stopStack();
        throw error;
      }
      console.log('\nwaggle is up:');
      for (const s of launched.services) console.log(`  ${s.name.padEnd(18)} ${s.url}  (OpenAPI: ${s.url}/openapi.json; try ${s.try})`);
      console.log('\nSeed example data with: npx waggle demo   —   Ctrl-C stops everything.\n');

      const ended = await Promise.race([signal.then((s) => ({ signal: s })), launched.firstExit.then((e) => ({ exit: e }))]);
      const crashed = 'exit' in ended && !stopRequested;
      if (crashed) console.error(`waggle: ${ended.exit.name} exited unexpectedly (code ${ended.exit.code}); stopping everything`);
      else console.log(`\nstopping services${started.length === 0 ? '' : ` and the stack's ${started.join(', ')}`} …`);
      await launched.stop();
      await stopStack();
      console.log('stopped');
      process.exitCode = crashed ? exitCodes.failure : exitCodes.ok;
    });
