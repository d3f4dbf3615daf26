import { Kafka, logLevel } from 'kafkajs';
import { applyKafkaJsIdleFix } from './kafkaJsIdleFix.ts';
import type { Logger } from './logger.ts';

applyKafkaJsIdleFix();

/** `host:port,host:port` or a list of them. */
export type Brokers = string | readonly string[];

export const toBrokerList = (brokers: Brokers): string[] =>
  (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter((b) => b.length > 0);

const rebalancing = 'The group is rebalancing, so a rejoin is needed';

/**
 * The one place a kafkajs client is built. kafkajs logs every reconnect attempt at ERROR; only its errors reach
 * our logger, and its warnings only when asked, so a broker blip does not flood the service log.
 */
export const createKafkaClient = (options: { brokers: Brokers; clientId: string; logger: Logger; verbose?: boolean }): Kafka =>
  new Kafka({
    clientId: options.clientId,
    brokers: toBrokerList(options.brokers),
    logLevel: options.verbose === true ? logLevel.INFO : logLevel.ERROR,
    logCreator:
      () =>
      ({ namespace, level, log }) => {
        const fields: Record<string, unknown> = { ...log };
        for (const noise of ['message', 'timestamp', 'logger']) delete fields[noise];
        // a heartbeat answered "rebalancing" is how a member learns to rejoin, at every rebalance: not an error
        if (namespace === 'Connection' && fields['error'] === rebalancing) return;
        const message = log.message;
        const text = `kafkajs ${namespace}: ${message}`;
        if (level === logLevel.ERROR) options.logger.error(text, fields);
        else if (level === logLevel.WARN) options.logger.warn(text, fields);
        else options.logger.info(text, fields);
      },
  });
