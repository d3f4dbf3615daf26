import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadConfig } from './config.ts';
import { startCoordinator } from './startCoordinator.ts';

const config = loadConfig();
const logger = createLogger({ service: 'saga-coordinator', level: config.logLevel });
const coordinator = await startCoordinator(config, logger);
stopOnSignals([coordinator]);
