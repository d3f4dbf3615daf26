import type { Brokers } from './createKafkaClient.ts';
import type { Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/** The names of the cluster's topics matching `pattern`, sorted; internal ones (starting with `_`) left out. */
export const listTopics = (brokers: Brokers, pattern: RegExp, options: { clientId?: string; logger?: Logger } = {}): Promise<string[]> =>
  withAdmin(brokers, options, 'listing topics', async (admin) =>
    (await admin.listTopics()).filter((topic) => !topic.startsWith('_') && pattern.test(topic)).sort(),
  );
