import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resolveApicurio, resolveFerretDb, resolveKafkaClasspath, type Report } from './artifacts.ts';
import { ensureDir, type DaemonSpec } from './processes.ts';
import { probeKafka, probeMongo, probeRegistry } from './probes.ts';
import { s3Components } from './s3Component.ts';
import type { StackConfig, StackMode } from './stackConfig.ts';
import { StackError } from './stackError.ts';
import { findJava17, findJava21 } from './toolchain.ts';

const run = promisify(execFile);

export type ComponentName = 'kafka' | 'registry' | 'mongo' | 's3';

/** One server of the stack: how to tell it answers and, when local, how to start it. */
export type Component = {
  readonly name: ComponentName;
  readonly mode: StackMode;
  /** What clients use: the value of its setting. */
  readonly address: string;
  readonly setting: 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'MONGO_URL' | 'LAKE_S3_ENDPOINT';
  readonly ports: readonly { readonly port: number; readonly setting: string }[];
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly probe: () => Promise<void>;
  /** Downloads or builds what is missing and writes the component's config; returns how to start it. */
  readonly prepare: (report: Report) => Promise<DaemonSpec>;
};

const infraDir = fileURLToPath(new URL('../infra/', import.meta.url));

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const layout = (config: StackConfig, name: ComponentName) => {
  const dir = join(config.stateDir, name);
  return {
    dir,
    dataDir: join(dir, 'data'),
    logsDir: join(dir, 'logs'),
    pidFile: join(dir, 'pid'),
    logFile: join(dir, 'logs', `${name}.log`),
  };
};

const kafkaProperties = (config: StackConfig, dataDir: string): string =>
  [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${config.kafka.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${config.kafka.port},CONTROLLER://127.0.0.1:${config.kafka.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${config.kafka.port},CONTROLLER://127.0.0.1:${config.kafka.controllerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // one broker: every internal topic must have replication factor 1 or groups never get a coordinator
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // event topics are the source of truth for rebuilding read models: keep them
    'log.retention.ms=-1',
    '',
  ].join('\n');

const kafkaComponent = (config: StackConfig): Component => {
  const paths = layout(config, 'kafka');
  return {
    name: 'kafka',
    mode: config.kafka.mode,
    address: config.kafka.brokers,
    setting: 'KAFKA_BROKERS',
    ports: [
      { port: config.kafka.port, setting: 'WAGGLE_KAFKA_PORT (or KAFKA_BROKERS to use another cluster)' },
      { port: config.kafka.controllerPort, setting: 'WAGGLE_KAFKA_CONTROLLER_PORT' },
    ],
    ...paths,
    readyTimeoutMs: 90_000,
    stopGraceMs: 30_000,
    probe: () => probeKafka(config.kafka.brokers),
    prepare: async (report) => {
      const java = await findJava17();
      const classpath = await resolveKafkaClasspath(config.cacheDir, report);
      await Promise.all([ensureDir(paths.dataDir), ensureDir(paths.logsDir)]);
      const properties = join(paths.dir, 'server.properties');
      await writeFile(properties, kafkaProperties(config, paths.dataDir));
      const log4j = join(infraDir, 'kafka', 'log4j2.properties');
      if (!(await exists(join(paths.dataDir, 'meta.properties')))) {
        const clusterId = randomBytes(16).toString('base64url');
        try {
          await run(java, [
            '-Xmx256m',
            `-Dlog4j2.configurationFile=${log4j}`,
            '-cp',
            classpath,
            'kafka.tools.StorageTool',
            'format',
            '--standalone',
            '-t',
            clusterId,
            '-c',
            properties,
            '--ignore-formatted',
          ]);
        } catch (error) {
          const failure = error as { stderr?: string; stdout?: string };
          await writeFile(join(paths.logsDir, 'format.log'), `${failure.stdout ?? ''}${failure.stderr ?? ''}`);
          throw new StackError(`kafka: formatting storage failed; see ${join(paths.logsDir, 'format.log')}`, { cause: error });
        }
      }
      return {
        command: java,
        args: [
          '-Xms256m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-XX:+ExitOnOutOfMemoryError',
          '-Djava.awt.headless=true',
          `-Dkafka.logs.dir=${paths.logsDir}`,
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          properties,
        ],
        cwd: paths.dir,
        logFile: paths.logFile,
        pidFile: paths.pidFile,
      };
    },
  };
};

const registryComponent = (config: StackConfig): Component => {
  const paths = layout(config, 'registry');
  return {
    name: 'registry',
    mode: config.registry.mode,
    address: config.registry.url,
    setting: 'SCHEMA_REGISTRY_URL',
    ports: [
      { port: config.registry.port, setting: 'WAGGLE_REGISTRY_PORT (or SCHEMA_REGISTRY_URL to use another registry)' },
      { port: config.registry.managementPort, setting: 'WAGGLE_REGISTRY_MANAGEMENT_PORT' },
    ],
    ...paths,
    readyTimeoutMs: 120_000,
    stopGraceMs: 15_000,
    probe: () => probeRegistry(config.registry.url),
    prepare: async (report) => {
      const java = await findJava21();
      const jar = await resolveApicurio(config.cacheDir, report);
      await Promise.all([ensureDir(paths.dataDir), ensureDir(paths.logsDir)]);
      return {
        command: java,
        args: [
          '-Xms64m',
          '-Xmx384m',
          '-XX:+UseSerialGC',
          '-XX:+ExitOnOutOfMemoryError',
          `-Dwaggle.stack=${paths.dir}`,
          '-Dquarkus.http.host=127.0.0.1',
          // Quarkus opens a second (management: health, metrics) port, by default on 0.0.0.0:9000
          '-Dquarkus.management.host=127.0.0.1',
          `-Dquarkus.management.port=${config.registry.managementPort}`,
          `-Dquarkus.http.port=${config.registry.port}`,
          // file-backed H2 so schemas (and their ids) survive a restart
          `-Dapicurio.datasource.url=jdbc:h2:file:${join(paths.dataDir, 'registry')}`,
          '-Dapicurio.rest.deletion.artifact.enabled=true',
          '-Dapicurio.rest.deletion.artifact-version.enabled=true',
          '-Dapicurio.rest.deletion.group.enabled=true',
          // tests isolate by unique topic names, so subjects pile up in a long-lived local registry
          '-Dapicurio.ccompat.max-subjects=1000000',
          '-Dquarkus.log.level=WARN',
          '-Dquarkus.log.category."io.quarkus".level=INFO',
          '-jar',
          jar,
        ],
        cwd: paths.dir,
        logFile: paths.logFile,
        pidFile: paths.pidFile,
      };
    },
  };
};

const mongoComponent = (config: StackConfig): Component => {
  const paths = layout(config, 'mongo');
  return {
    name: 'mongo',
    mode: config.mongo.mode,
    address: config.mongo.url,
    setting: 'MONGO_URL',
    ports: [{ port: config.mongo.port, setting: 'WAGGLE_MONGO_PORT (or MONGO_URL to use another server)' }],
    ...paths,
    readyTimeoutMs: 30_000,
    stopGraceMs: 10_000,
    probe: () => probeMongo(config.mongo.url),
    prepare: async (report) => {
      const binary = await resolveFerretDb(config.cacheDir, report);
      await Promise.all([ensureDir(paths.dataDir), ensureDir(paths.logsDir)]);
      return {
        command: binary,
        args: ['-listen', `127.0.0.1:${config.mongo.port}`, '-data', paths.dataDir],
        cwd: paths.dir,
        logFile: paths.logFile,
        pidFile: paths.pidFile,
      };
    },
  };
};

/** The stack's three servers, in start order, and its S3 server when asked for (`WAGGLE_S3=1`). */
export const stackComponents = (config: StackConfig): readonly Component[] => [
  kafkaComponent(config),
  registryComponent(config),
  mongoComponent(config),
  ...s3Components(config),
];
