import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { startCheckIn } from './checkInService.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const logger = createLogger({ service: 'check-in', level: config.logLevel });
const service = await startCheckIn(config, logger);
stopOnSignals([service]);
