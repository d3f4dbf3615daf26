import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import type { LoyaltyConfig } from './config.ts';
import { memberRoutes } from './member/memberApi.ts';
import { loyaltyReactions } from './member/loyaltyReactions.ts';

/** Starts the loyalty service: its reactions to bookings (choreography only) and a read API of member accounts. */
export const startLoyalty = (config: LoyaltyConfig, logger: Logger): Promise<RunningService> =>
  startEventSourcedService({
    settings: { name: 'loyalty', ...config },
    logger,
    info: {
      title: 'waggle loyalty',
      version: '1.0.0',
      description: 'Loyalty: members earn points for confirmed bookings and lose them when a booking is cancelled.',
    },
    routes: (deps) => memberRoutes(deps),
    reactions: (deps) => [loyaltyReactions(deps, { bookingsTopic: config.bookingsTopic, pointsPerSeat: config.pointsPerSeat })],
  });
