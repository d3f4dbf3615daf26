import {
  directStorage,
  translateMongoErrors,
  type ReadModelDocuments,
  type ReflectedOffset,
  type VersionStorage,
} from '@waggle/read-model';
import type { Db } from 'mongodb';
import type { MemberBalance } from './memberBalance.ts';

/** Where loyalty-balance keeps its members and the offsets they reflect. */
export type LoyaltyBalanceStore = {
  /** The projector's access to the members: every write guarded by the revision it read. */
  readonly memberDocuments: ReadModelDocuments<MemberBalance>;
  /** Records the offset that the documents written before reflect; it never moves back. */
  readonly recordOffset: (reflected: ReflectedOffset) => Promise<void>;
  readonly reflectedOffset: (topic: string, partition: number) => Promise<number | undefined>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  readonly findMember: (memberId: string) => Promise<MemberBalance | undefined>;
};

/** Connection trouble is worth retrying (the consumer retries, HTTP answers 503); anything else is not. */
const translated = translateMongoErrors('loyalty-balance');

/** The document collections of a version, by their base names. */
export const loyaltyBalanceCollections = ['members'] as const;

/**
 * loyalty-balance on MongoDB without transactions, in a version's collections (`storage`): one
 * document per member, replaced by `_id` under the revision it was read at, and read by `_id`.
 */
export const createMongoLoyaltyBalanceStore = (db: Db, storage: VersionStorage = directStorage(db)): LoyaltyBalanceStore => {
  const offsets = storage.offsets();
  const members = storage.documents<MemberBalance>('members', (member) => member.memberId);
  return {
    memberDocuments: {
      load: (ids) => translated('loading members', () => members.load(ids)),
      save: (changed) => translated('saving members', () => members.save(changed)),
    },
    recordOffset: (reflected) => translated('recording an offset', () => offsets.record(reflected)),
    reflectedOffset: (topic, partition) => translated('reading an offset', () => offsets.reflected(topic, partition)),
    offsets: () => translated('reading offsets', () => offsets.all()),
    findMember: (memberId) => translated('reading a member', async () => (await members.load([memberId])).get(memberId)?.doc),
  };
};
