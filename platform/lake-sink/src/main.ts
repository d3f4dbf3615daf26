import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { startLakeSinkService } from './startLakeSinkService.ts';

const service = await startLakeSinkService(loadConfig());
stopOnSignals([service]);
