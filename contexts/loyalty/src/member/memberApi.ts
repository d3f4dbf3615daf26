import { NotFoundError } from '@waggle/errors';
import type { ServiceDeps } from '@waggle/event-sourced-service';
import { defineRoute, type Route } from '@waggle/http';
import type { LoyaltyEvent } from '@waggle/schemas';
import { z } from 'zod';
import { balanceOf, memberDecider, type Member } from './member.ts';

const accountSchema = z
  .object({
    memberId: z.string(),
    version: z.number().int(),
    points: z.number().int().describe('Earned minus reversed'),
    bookings: z.array(z.object({ bookingId: z.string(), points: z.number().int(), reversed: z.boolean() })),
  })
  .meta({ id: 'MemberAccount' });

/**
 * Loyalty's API: the write side of a member account, read as `handleCommand` reads it (snapshot, then newer
 * events), for operators. Points change only by choreography; the loyalty-balance read model serves members.
 */
export const memberRoutes = (deps: Pick<ServiceDeps, 'store'>): Route[] => [
  defineRoute({
    method: 'get',
    path: '/api/v1/accounts/:memberId',
    operationId: 'getMemberAccount',
    summary: "A member account on the write side: its points and each booking's entry",
    params: z.object({ memberId: z.string().min(1).max(200) }),
    responses: { 200: { description: 'The account', schema: accountSchema } },
    handler: async ({ params }) => {
      const snapshot = await deps.store.readSnapshot(params.memberId);
      const usable = snapshot !== undefined && snapshot.schemaVersion === memberDecider.stateVersion;
      const slice = await deps.store.readStream(params.memberId, { fromVersion: usable ? snapshot.version : 0 });
      if (slice.version === 0) throw new NotFoundError(`member ${params.memberId} has no points account`);
      const member = slice.events.reduce(
        (state, event) => memberDecider.evolve(state, event as unknown as LoyaltyEvent),
        usable ? (snapshot.state as Member) : memberDecider.initialState(),
      );
      return {
        status: 200,
        body: {
          memberId: params.memberId,
          version: slice.version,
          points: balanceOf(member),
          bookings: Object.entries(member.bookings).map(([bookingId, entry]) => ({ bookingId, ...entry })),
        },
      };
    },
  }),
];
