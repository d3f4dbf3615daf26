import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { startFlightSearch } from './flightSearchService.ts';

const service = await startFlightSearch(loadConfig());
stopOnSignals([service]);
