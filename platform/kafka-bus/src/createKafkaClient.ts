import { Kafka, logLevel } from 'kafkajs';
import { applyKafkaJsIdleFix } from './kafkaJsIdleFix.ts';
import type { Logger } from './logger.ts';

applyKafkaJsIdleFix();

/** `host:port,host:port` or a list of them. */
export type Brokers = string | readonly string[];

export const toBrokerList = (brokers: Brokers): string[] =>
  (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter((b) => b.length > 0);

/**
 * Answers kafkajs's connection logs as errors although kafkajs acts on them itself: "rebalancing" to a heartbeat
 * (every member, at every rebalance: it rejoins), and an unknown partition in metadata just after a topic is created
 * (it retries; a caller whose topic never appears gets the error from its own call), and topic creation errors (the
 * topic exists already: the caller is told and decides).
 */
const expectedAnswers = new Set([
  'The group is rebalancing, so a rejoin is needed',
  'This server does not host this topic-partition',
  'Topic creation errors',
]);

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
        if (namespace === 'Connection' && typeof fields['error'] === 'string' && expectedAnswers.has(fields['error'])) return;
        const message = log.message;
        const text = `kafkajs ${namespace}: ${message}`;
        if (level === logLevel.ERROR) options.logger.error(text, fields);
        else if (level === logLevel.WARN) options.logger.warn(text, fields);
        else options.logger.info(text, fields);
      },
  });
