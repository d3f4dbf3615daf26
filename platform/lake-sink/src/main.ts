import { isMainThread } from 'node:worker_threads';
import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { runSinkMember } from './runSinkMember.ts';
import { startLakeSinkService } from './startLakeSinkService.ts';

// the service's members (LAKE_MEMBERS > 1) run this same script in their threads: this file, or the bundle built of it
if (isMainThread) {
  const config = loadConfig();
  const service = await startLakeSinkService(config, undefined, process.argv[1]);
  stopOnSignals([service]);
} else {
  await runSinkMember();
}
