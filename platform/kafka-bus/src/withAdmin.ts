import type { Admin } from 'kafkajs';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/**
 * Runs `work` with a connected admin client and disconnects it afterwards; a failure of `work` is translated into
 * a waggle error naming `what` was being done.
 */
export const withAdmin = async <T>(
  brokers: Brokers,
  options: { clientId?: string; logger?: Logger },
  what: string,
  work: (admin: Admin) => Promise<T>,
): Promise<T> => {
  const admin = createKafkaClient({
    brokers,
    clientId: options.clientId ?? 'waggle-admin',
    logger: options.logger ?? consoleLogger,
  }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } catch (error) {
    throw toBusError(error, what);
  } finally {
    await admin.disconnect();
  }
};
