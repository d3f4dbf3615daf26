import { NotFoundError } from '@waggle/errors';
import { defineRoute } from '@waggle/http';
import { z } from 'zod';
import { memberBalanceSchema, toMemberBalanceView } from './memberBalanceView.ts';
import type { LoyaltyBalanceStore } from './mongoLoyaltyBalanceStore.ts';

const offsetsSchema = z
  .object({
    offsets: z.array(
      z.object({
        topic: z.string(),
        partition: z.number().int(),
        offset: z.number().int().describe('The last offset of the partition whose record the read model reflects'),
      }),
    ),
  })
  .meta({ id: 'ReflectedOffsets' });

/**
 * The read-only REST API of loyalty-balance. Each request takes the serving version's store once and reads only
 * from it, so a switch to a rebuilt version never mixes two versions in one answer.
 */
export const createLoyaltyBalanceRoutes = (serving: () => Promise<LoyaltyBalanceStore>) => [
  defineRoute({
    method: 'get',
    path: '/api/v1/members/:memberId',
    operationId: 'getMemberBalance',
    summary: "A member's points balance with every earn and reversal, newest first",
    params: z.object({ memberId: z.string().min(1).max(200) }),
    responses: { 200: { description: "The member's account", schema: memberBalanceSchema } },
    handler: async ({ params }) => {
      const member = await (await serving()).findMember(params.memberId);
      if (member === undefined) throw new NotFoundError(`member ${params.memberId} is not known here`);
      return { status: 200, body: toMemberBalanceView(member) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/offsets',
    operationId: 'getReflectedOffsets',
    summary: 'The Kafka offsets this read model reflects, per topic partition',
    responses: { 200: { description: 'Offsets', schema: offsetsSchema } },
    handler: async () => ({ status: 200, body: { offsets: await (await serving()).offsets() } }),
  }),
];
