import { uniqueName } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, inject } from 'vitest';
import { createMongoRelayLedger } from './mongoRelayLedger.ts';
import { describeRelayLedgerContract } from './relayLedgerContract.ts';

const client = new MongoClient(inject('stack').mongoUrl);
afterAll(async () => {
  await client.close();
});

describeRelayLedgerContract('MongoDB', () => Promise.resolve(createMongoRelayLedger({ db: client.db(uniqueName('ledger')) })));
