import { z } from 'zod';
import type { MemberBalance } from './memberBalance.ts';

const entrySchema = z
  .object({
    kind: z.enum(['earned', 'reversed']),
    bookingId: z.string(),
    points: z.number().int().describe('Points credited (earned) or debited (reversed), never negative'),
    reason: z.string(),
    occurredAt: z.string().describe('When the loyalty context recorded it, ISO 8601 UTC'),
  })
  .meta({ id: 'LoyaltyEntry' });

/** A member's account as the API shows it. */
export const memberBalanceSchema = z
  .object({
    memberId: z.string().describe("The member's id: the customer id of the bookings"),
    balance: z.number().int().describe('pointsEarned minus pointsReversed'),
    pointsEarned: z.number().int(),
    pointsReversed: z.number().int(),
    entries: z.array(entrySchema).describe('Every earn and reversal, newest first'),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'MemberBalance' });

export type MemberBalanceView = z.infer<typeof memberBalanceSchema>;

export const toMemberBalanceView = (member: MemberBalance): MemberBalanceView => ({
  memberId: member.memberId,
  balance: member.balance,
  pointsEarned: member.pointsEarned,
  pointsReversed: member.pointsReversed,
  entries: [...member.entries].reverse().map(({ kind, bookingId, points, reason, occurredAt }) => ({
    kind,
    bookingId,
    points,
    reason,
    occurredAt,
  })),
  updatedAt: member.updatedAt,
});
