import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { startCustomerBookings } from './customerBookingsService.ts';

const service = await startCustomerBookings(loadConfig());
stopOnSignals([service]);
