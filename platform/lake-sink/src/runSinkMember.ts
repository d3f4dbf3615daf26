import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, toMessageFirstLogger } from '@waggle/observability';
import { lakeSinkOptions } from './config.ts';
import { createCrashHook } from './crashHook.ts';
import { createLakeSink } from './createLakeSink.ts';
import { openLakeStore } from './lakeLocation.ts';
import type { MemberCall, MemberData, MemberMessage } from './sinkMembers.ts';

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One member of the sink in a worker thread (see `startSinkMembers`): a sink of its own, answering its parent's calls. */
export const runSinkMember = async (): Promise<void> => {
  const port = parentPort;
  if (port === null) throw new Error('runSinkMember runs in a worker thread');
  const { member, config, crashCounter } = workerData as MemberData;
  const post = (message: MemberMessage): void => port.postMessage(message);
  const logger = createLogger({ service: 'lake-sink', level: config.logLevel }).child({ member });
  const store = openLakeStore(config.lake);
  const sink = createLakeSink({
    ...lakeSinkOptions(config, store, toMessageFirstLogger(logger)),
    clientId: `${config.groupId}-${member}`,
    ...(config.crashAt === undefined ? {} : { crashHook: createCrashHook(config.crashAt, new Int32Array(crashCounter)) }),
  });
  port.on('message', (message: MemberCall) => {
    const answer = async (): Promise<unknown> => {
      if (message.call === 'status') return sink.status();
      if (message.call === 'lag') return sink.lag();
      await sink.stop();
      store.close();
      return undefined;
    };
    answer().then(
      (result) => post({ type: 'reply', id: message.id, result }),
      (error: unknown) => post({ type: 'reply', id: message.id, error: describe(error) }),
    );
  });
  try {
    await sink.start();
  } catch (error) {
    store.close();
    post({ type: 'failed', error: describe(error) });
    return;
  }
  post({ type: 'started' });
};
