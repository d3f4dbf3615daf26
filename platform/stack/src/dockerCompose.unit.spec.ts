import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadStackConfig } from './stackConfig.ts';

type Service = { image: string; ports?: string[]; environment?: Record<string, string>; command?: string[] };
const compose = parse(readFileSync(fileURLToPath(new URL('../../../docker-compose.kafka.yml', import.meta.url)), 'utf8')) as {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
};
const local = loadStackConfig({});
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.kafka.yml has no service ${name}`);
  return found;
};
const hostPorts = (s: Service): number[] => (s.ports ?? []).map((p) => Number(p.split(':')[0]));

describe('docker-compose.kafka.yml, next to the local stack defaults', () => {
  it('publishes Kafka on the port and address KAFKA_BROKERS points at', () => {
    const kafka = service('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(hostPorts(kafka)).toEqual([local.kafka.port]);
    expect(kafka.environment?.['KAFKA_ADVERTISED_LISTENERS']).toContain(`PLAINTEXT://${local.kafka.brokers}`);
  });

  it('runs Kafka in KRaft mode with replication factor 1 for every internal topic', () => {
    const env = service('kafka').environment ?? {};
    expect(env['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    for (const key of [
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR',
      'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR',
    ]) {
      expect(env[key], key).toBe('1');
    }
    expect(env['KAFKA_LOG_RETENTION_MS']).toBe('-1');
  });

  it('serves the Confluent registry under the same URL path as Apicurio locally', () => {
    const registryUrl = new URL(local.registry.url);
    expect(hostPorts(service('schema-registry'))).toEqual([Number(registryUrl.port)]);
    expect(service('schema-registry-backend').image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(compose.configs['registry-gateway']?.content).toContain(`location ${registryUrl.pathname}/ {`);
  });

  it('runs MongoDB as a single-node replica set on the port MONGO_URL points at, reachable with directConnection', () => {
    const mongo = service('mongo');
    expect(mongo.image).toMatch(/^mongo:/);
    expect(hostPorts(mongo)).toEqual([local.mongo.port]);
    expect(mongo.command).toContain('--replSet');
    expect(local.mongo.url).toContain('directConnection=true');
  });
});
