import { stopOnSignals } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { startBookings } from './bookingsService.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const logger = createLogger({ service: 'bookings', level: config.logLevel });
const service = await startBookings(config, logger);
stopOnSignals([service]);
