import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './stackError.ts';

const run = promisify(execFile);

const dockerHint = 'or run the stack with Docker: docker compose -f docker-compose.kafka.yml up -d';

const javaMajor = (versionText: string): number | undefined => {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
};

const releaseMajor = async (javaHome: string): Promise<number | undefined> => {
  try {
    const release = await readFile(join(javaHome, 'release'), 'utf8');
    const version = /^JAVA_VERSION="(\d+)/m.exec(release)?.[1];
    return version === undefined ? undefined : Number(version);
  } catch {
    return undefined;
  }
};

/** The `java` on PATH, which must be 17 or newer (Kafka 4 brokers need 17). */
export const findJava17 = async (): Promise<string> => {
  let output: string;
  try {
    output = (await run('java', ['-version'])).stderr;
  } catch {
    throw new StackError(`Java 17+ is not installed (Kafka needs it): apt-get install openjdk-17-jre-headless, ${dockerHint}`);
  }
  const major = javaMajor(output);
  if (major === undefined || major < 17) {
    throw new StackError(`java on PATH is version ${major ?? '?'}, Kafka needs 17+: install openjdk-17-jre-headless, ${dockerHint}`);
  }
  return 'java';
};

/**
 * A `java` binary of version 21 or newer, which Apicurio Registry 3.3 needs. Looks at
 * WAGGLE_REGISTRY_JAVA_HOME, JAVA_HOME, the `java` on PATH, then every JDK under /usr/lib/jvm.
 */
export const findJava21 = async (env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const homes = [env['WAGGLE_REGISTRY_JAVA_HOME'], env['JAVA_HOME']].filter((h): h is string => Boolean(h));
  for (const home of homes) if (((await releaseMajor(home)) ?? 0) >= 21) return join(home, 'bin', 'java');
  try {
    if ((javaMajor((await run('java', ['-version'])).stderr) ?? 0) >= 21) return 'java';
  } catch {
    // no java on PATH; look further
  }
  const jvmDir = '/usr/lib/jvm';
  const entries = await readdir(jvmDir).catch(() => [] as string[]);
  const found: { home: string; major: number }[] = [];
  for (const entry of entries) {
    const major = await releaseMajor(join(jvmDir, entry));
    if (major !== undefined && major >= 21) found.push({ home: join(jvmDir, entry), major });
  }
  found.sort((a, b) => b.major - a.major);
  const best = found[0];
  if (best) return join(best.home, 'bin', 'java');
  throw new StackError(
    `Apicurio Registry 3.3 needs Java 21+ and none was found (looked at WAGGLE_REGISTRY_JAVA_HOME, JAVA_HOME, PATH, ${jvmDir}): apt-get install openjdk-21-jre-headless, ${dockerHint}`,
  );
};

/** Fails with what to install when a build tool needed for a first download is missing. */
export const assertTool = async (command: 'mvn' | 'go', purpose: string): Promise<void> => {
  const args = command === 'mvn' ? ['-v'] : ['version'];
  try {
    await run(command, args);
  } catch {
    const pkg = command === 'mvn' ? 'maven' : 'golang (1.24+)';
    throw new StackError(`${command} is not installed and is needed to ${purpose}: apt-get install ${pkg}, ${dockerHint}`);
  }
};
