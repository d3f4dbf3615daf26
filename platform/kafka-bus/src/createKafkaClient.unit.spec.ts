import { describe, expect, it } from 'vitest';
import { createKafkaClient } from './createKafkaClient.ts';

describe("the kafkajs client's log", () => {
  it('passes kafkajs errors on, but not the answers kafkajs acts on itself (rebalancing, a topic not there yet or there already)', () => {
    const errors: string[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string) => errors.push(message) };
    const connection = createKafkaClient({ brokers: '127.0.0.1:1', clientId: 'log-test', logger }).logger().namespace('Connection');
    connection.error('Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' });
    connection.error('Response Metadata(key: 3, version: 6)', { error: 'This server does not host this topic-partition' });
    connection.error('Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors' });
    connection.error('Response Produce(key: 0, version: 7)', { error: 'The request timed out' });
    expect(errors).toEqual(['kafkajs Connection: Response Produce(key: 0, version: 7)']);
  });
});
