import pg from 'pg';
import { pgAdminUrl } from './services.js';

/** Fails the run (rather than skipping tests) when PostgreSQL does not answer. */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${pgAdminUrl} does not answer (${(error as Error).message}); run scripts/test-deps.sh as root or set BERTH_TEST_PG_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
