import { DuckDBInstance } from '@duckdb/node-api';

/**
 * An in-process DuckDB whose every session is in UTC: a `ce_time` cast to a date must give the day the file is
 * filed under, whatever the machine's zone. (ICU is built in but will not take `TimeZone` at creation.)
 */
export const openDuckDb = async (settings: Record<string, string> = {}): Promise<DuckDBInstance> => {
  const instance = await DuckDBInstance.create(':memory:', settings);
  const connection = await instance.connect();
  try {
    await connection.run(`SET GLOBAL TimeZone = 'UTC'`);
  } finally {
    connection.closeSync();
  }
  return instance;
};
