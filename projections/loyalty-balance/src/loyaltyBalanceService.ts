import { createLogger, type Logger } from '@waggle/observability';
import { createEventDecoder, openReadModelDatabase, startReadModelService, type RunningReadModel } from '@waggle/read-model';
import { loadSchemas, loyaltyFullNames, type LoyaltyEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { LoyaltyBalanceConfig } from './config.ts';
import { applyLoyaltyEvents, createLoyaltyProjector } from './createLoyaltyProjector.ts';
import { createLoyaltyBalanceRoutes } from './loyaltyBalanceApi.ts';
import { loyaltyBalanceSources } from './loyaltyBalanceSources.ts';
import { createMongoLoyaltyBalanceStore, loyaltyBalanceCollections } from './mongoLoyaltyBalanceStore.ts';

export type LoyaltyBalanceService = RunningReadModel;

/** Starts loyalty-balance: the projection consuming the loyalty topic from its beginning, and its REST API. */
export const startLoyaltyBalance = (
  config: LoyaltyBalanceConfig,
  logger: Logger = createLogger({ service: 'loyalty-balance', level: config.logLevel }),
): Promise<LoyaltyBalanceService> => {
  const database = openReadModelDatabase({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  return startReadModelService({
    name: 'loyalty-balance',
    logger,
    info: { title: 'loyalty-balance', version: '1.0.0', description: "Members' points balances, pre-aggregated from the loyalty events" },
    kafkaBrokers: config.kafkaBrokers,
    groupId: config.groupId,
    topics: [config.loyaltyTopic],
    port: config.port,
    host: config.host,
    corsOrigins: config.corsOrigins,
    database,
    openVersion: (names, storage) => {
      const store = createMongoLoyaltyBalanceStore(database.db, storage);
      return {
        start: () => Promise.resolve(),
        offsets: store.offsets,
        handleBatch: createLoyaltyProjector(store),
        apply: (events) =>
          applyLoyaltyEvents(
            store,
            events.flatMap((event) => (event === null ? [] : [event])),
          ),
        collections: loyaltyBalanceCollections,
        queries: store,
      };
    },
    decode: createEventDecoder<LoyaltyEvent>(serde, loyaltyFullNames),
    routes: createLoyaltyBalanceRoutes,
    storeSources: loyaltyBalanceSources(config),
    replay: config.replay,
  });
};
