import { stopOnSignals } from '@waggle/kafka-bus';
import { loadConfig } from './config.ts';
import { startLoyaltyBalance } from './loyaltyBalanceService.ts';

const service = await startLoyaltyBalance(loadConfig());
stopOnSignals([service]);
