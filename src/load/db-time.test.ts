import { describe, expect, it } from 'vitest';
import { createTransactionRunner } from '../app/tenant-transaction.ts';
import { createPool, withClient } from '../db/connect.ts';
import { createTestDatabase, useTestServer } from '../../test/helpers/database.ts';
import { startDbTimeSampler, tenantOfQuery } from './db-time.ts';

const server = useTestServer();
const appName = 'tenantguard reference app';
const busy = '0b6c4a52-8d0e-4d7e-9a43-1c2b3d4e5f60';
const quiet = '7F0E1D2C-3B4A-4958-8776-655443322110';
const elsewhere = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('tenantOfQuery', () => {
  it('reads the tenant of a reference-app statement, in either literal form', () => {
    expect(tenantOfQuery(`select set_config('app.tenant_id', '${busy}', true), set_config('app.user_id', 'u', true);\nselect 1`)).toBe(busy);
    expect(tenantOfQuery(`select set_config('app.tenant_id', E'${quiet}', true);\nselect 1`)).toBe(quiet.toLowerCase());
    expect(tenantOfQuery('select set_config($1, $2, true)')).toBeUndefined();
    expect(tenantOfQuery(`select set_config('app.user_id', '${busy}', true)`)).toBeUndefined();
  });
});

describe('startDbTimeSampler', () => {
  it('credits backend time to the tenant each statement was sent for', async () => {
    const url = await createTestDatabase(server(), 'dbtime');
    // The app's own runner, so the statements are tagged exactly as the reference app tags them.
    const pool = createPool(url, 4, { applicationName: appName });
    const runner = createTransactionRunner(pool, undefined);
    const scope = (tenant: string) => ({ tenant, user: 'u', statementTimeoutMs: null });
    const sampler = await startDbTimeSampler({ adminUrl: url, applicationName: appName, intervalMs: 10 });
    try {
      await Promise.all([
        runner.one(scope(busy), 'select pg_sleep($1)', [0.6]),
        runner.one(scope(quiet), 'select pg_sleep($1)', [0.15]),
        pool.query('select pg_sleep(0.15)'), // untagged: no tenant context
        // Another application's tagged backend is not the app's time.
        withClient(url, (client) => client.query(`select set_config('app.tenant_id', '${elsewhere}', true); select pg_sleep(0.15)`), { applicationName: 'someone else' }),
      ]);
    } finally {
      await pool.end();
    }
    const result = await sampler.stop();
    expect(Object.keys(result.byTenant).sort()).toEqual([busy, quiet.toLowerCase()].sort());
    const heavy = result.byTenant[busy]!;
    const light = result.byTenant[quiet.toLowerCase()]!;
    expect(heavy.share).toBeGreaterThan(light.share);
    expect(heavy.ms).toBeGreaterThan(light.ms);
    expect(heavy.share + light.share).toBeCloseTo(1, 9);
    expect(result.untagged).toBeGreaterThan(0);
    expect(result.samples).toBeGreaterThan(0);
    expect(await sampler.stop()).toBe(result);
  });

  it('stops on abort and still reports', async () => {
    const controller = new AbortController();
    const sampler = await startDbTimeSampler({ adminUrl: server().adminUrl, applicationName: appName, signal: controller.signal });
    controller.abort();
    expect(await sampler.stop()).toMatchObject({ byTenant: {}, untagged: 0 });
  });
});
