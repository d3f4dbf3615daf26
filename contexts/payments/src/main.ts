import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadConfig } from './config.ts';
import { startPayments } from './paymentsService.ts';

const config = loadConfig();
const logger = createLogger({ service: 'payments', level: config.logLevel });
const service = await startPayments(config, logger);
stopOnSignals([service]);
