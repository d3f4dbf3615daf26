import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { startRouteRevenue } from './routeRevenueService.ts';

const service = await startRouteRevenue(loadConfig());
stopOnSignals([service]);
