import { stackDown, stackStatus, stackUp } from './stack.ts';
import { loadStackConfig, toEnvLines } from './stackConfig.ts';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `KAFKA_BROKERS`, `SCHEMA_REGISTRY_URL`, `MONGO_URL` of the stack the tests run against. */
    stack: { kafkaBrokers: string; schemaRegistryUrl: string; mongoUrl: string };
  }
}

/**
 * Vitest global setup for integration tests: uses the stack if it answers, otherwise starts it and stops it
 * again after the run (a stack someone else started is left running).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadStackConfig();
  const statuses = await stackStatus(config);
  const alreadyUp = statuses.every((s) => s.answering);
  if (!alreadyUp) {
    const began = Date.now();
    await stackUp(config, (line) => console.log(`[stack] ${line}`));
    console.log(`[stack] up in ${((Date.now() - began) / 1000).toFixed(1)} s: ${toEnvLines(config).join(' ')}`);
  }
  project.provide('stack', { kafkaBrokers: config.kafka.brokers, schemaRegistryUrl: config.registry.url, mongoUrl: config.mongo.url });
  return async () => {
    if (!alreadyUp) await stackDown(config);
  };
}
