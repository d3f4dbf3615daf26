import { describe, expect, it } from 'vitest';
import { loadStackConfig, StackConfigError, toEnvLines } from './stackConfig.ts';

describe('stack settings', () => {
  describe('given an empty environment', () => {
    it('starts everything locally on the standard ports', () => {
      const config = loadStackConfig({});
      expect([config.kafka.mode, config.registry.mode, config.mongo.mode]).toEqual(['local', 'local', 'local']);
      expect(toEnvLines(config)).toEqual([
        'KAFKA_BROKERS=127.0.0.1:9092',
        'SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7',
        'MONGO_URL=mongodb://127.0.0.1:27017/?directConnection=true',
      ]);
      expect(config.stateDir).toMatch(/\.waggle\/stack$/);
    });
  });

  describe('given the three settings', () => {
    it('treats each as external and starts nothing for it', () => {
      const config = loadStackConfig({
        KAFKA_BROKERS: 'k1:9092,k2:9092',
        SCHEMA_REGISTRY_URL: 'http://sr:8081/',
        MONGO_URL: 'mongodb://m:27017',
      });
      expect([config.kafka.mode, config.registry.mode, config.mongo.mode]).toEqual(['external', 'external', 'external']);
      expect(config.registry.url).toBe('http://sr:8081');
    });
  });

  describe('given other ports', () => {
    it('moves the local servers and their settings', () => {
      const config = loadStackConfig({ WAGGLE_KAFKA_PORT: '19092', WAGGLE_REGISTRY_PORT: '18081', WAGGLE_MONGO_PORT: '27018' });
      expect(toEnvLines(config)).toEqual([
        'KAFKA_BROKERS=127.0.0.1:19092',
        'SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7',
        'MONGO_URL=mongodb://127.0.0.1:27018/?directConnection=true',
      ]);
    });
  });

  describe('given a bad setting', () => {
    it('names the variable', () => {
      expect(() => loadStackConfig({ MONGO_URL: 'http://nope' })).toThrow(StackConfigError);
      expect(() => loadStackConfig({ MONGO_URL: 'http://nope' })).toThrow(/MONGO_URL/);
      expect(() => loadStackConfig({ WAGGLE_KAFKA_PORT: '99999' })).toThrow(/WAGGLE_KAFKA_PORT/);
    });
  });
});
