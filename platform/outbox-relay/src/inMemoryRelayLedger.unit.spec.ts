import { createInMemoryRelayLedger } from './inMemoryRelayLedger.ts';
import { describeRelayLedgerContract } from './relayLedgerContract.ts';

describeRelayLedgerContract('in-memory', () => Promise.resolve(createInMemoryRelayLedger()));
