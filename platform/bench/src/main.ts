import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadStackConfig, resolveKafkaClasspath, stackDown, stackStatus, stackUp } from '@waggle/stack';
import type { Bench, BenchContext } from './benchContext.ts';

const platformDir = fileURLToPath(new URL('../../', import.meta.url));
// benches outside platform/: the saga coordinator's
const otherBenchDirs = [fileURLToPath(new URL('../../../saga-coordinator/bench', import.meta.url))];

const findBenches = async (): Promise<{ name: string; file: string }[]> => {
  const found: { name: string; file: string }[] = [];
  const dirs = [...(await readdir(platformDir)).map((lib) => join(platformDir, lib, 'bench')), ...otherBenchDirs];
  for (const dir of dirs) {
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (file.endsWith('.bench.ts')) found.push({ name: basename(file, '.bench.ts'), file: join(dir, file) });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
};

const wanted = process.argv.slice(2);
const benches = (await findBenches()).filter((b) => wanted.length === 0 || wanted.includes(b.name));
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0 || benches.length === 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; known: ${(await findBenches()).map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const config = loadStackConfig();
const wasUp = (await stackStatus(config)).every((s) => s.answering);
if (!wasUp) await stackUp(config, (line) => console.error(`[stack] ${line}`));
const context: BenchContext = {
  stack: {
    kafkaBrokers: config.kafka.brokers,
    schemaRegistryUrl: config.registry.url,
    mongoUrl: config.mongo.url,
    cacheDir: config.cacheDir,
  },
  kafkaClasspath: () => resolveKafkaClasspath(config.cacheDir, (line) => console.error(line)),
};

try {
  for (const bench of benches) {
    console.error(`bench ${bench.name}: running (${bench.file})`);
    const run = ((await import(pathToFileURL(bench.file).href)) as { default: Bench }).default;
    await run((line) => console.log(JSON.stringify({ bench: bench.name, ...line })), context);
  }
} finally {
  if (!wasUp) await stackDown(config);
}
