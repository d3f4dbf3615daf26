import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadConfig } from './config.ts';
import { startLoyalty } from './loyaltyService.ts';

const config = loadConfig();
const logger = createLogger({ service: 'loyalty', level: config.logLevel });
const service = await startLoyalty(config, logger);
stopOnSignals([service]);
