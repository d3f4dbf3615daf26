import { describeCommandGroups } from './commandGroupsContract.ts';
import { describeEventStoreContract } from './eventStoreContract.ts';
import { createInMemoryEventStore } from './inMemoryEventStore.ts';

describeEventStoreContract('in-memory', () => Promise.resolve(createInMemoryEventStore()));
describeCommandGroups('in-memory', () => Promise.resolve(createInMemoryEventStore()));
