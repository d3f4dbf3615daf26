import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { loadConfig } from './config.ts';
import { startFlights } from './flightsService.ts';

const config = loadConfig();
const logger = createLogger({ service: 'flights', level: config.logLevel });
const service = await startFlights(config, logger);
stopOnSignals([service]);
