import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attackWith, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { repoRoot } from '../../../test/helpers/cli.ts';
import { databaseWithSchema, useTestServer } from '../../../test/helpers/database.ts';
import { inferTenancy } from '../../catalog/infer-tenancy.ts';
import { introspect } from '../../catalog/introspect.ts';
import { withClient } from '../../db/connect.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { seedTenants } from '../../seed/seed-tenants.ts';
import { openAttackEnv } from '../env.ts';
import probe from './read-through-function.ts';

const server = useTestServer();

// The reference grants the application no function; these are written the safe ways (invoker
// rights, a definer that pins the tenant, shared data only, an echo, a volatile one, a writer).
const safeFunctions = `
CREATE FUNCTION public.current_tenant() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION public.project_count() RETURNS bigint LANGUAGE sql STABLE SECURITY INVOKER
  AS $$ SELECT count(*) FROM public.projects $$;
CREATE FUNCTION public.project_names(p_tenant uuid) RETURNS SETOF text LANGUAGE sql STABLE
  AS $$ SELECT name FROM public.projects WHERE tenant_id = p_tenant $$;
CREATE FUNCTION public.invoice_total(p_invoice uuid) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT total_cents FROM public.invoices WHERE id = p_invoice
          AND tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION public.plan_price(p_code text) RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT monthly_price_cents FROM public.plans WHERE code = p_code $$;
CREATE FUNCTION public.normalize_slug(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(p) $$;
CREATE FUNCTION public.new_token() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION public.archive_project(p_id uuid) RETURNS void LANGUAGE sql
  AS $$ UPDATE public.projects SET status = 'archived' WHERE id = p_id $$;
`;

async function referenceWithFunctions() {
  const scenario = await loadScenario(join(repoRoot, 'scenarios/reference.ts'));
  const schema = `${await readFile(join(repoRoot, 'fixtures/reference/schema.sql'), 'utf8')}\n${safeFunctions}`;
  const url = await databaseWithSchema(server(), schema, 'reference_fn');
  const snapshot = await withClient(url, (c) => introspect(c));
  const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
  const manifest = await seedTenants(url, snapshot, tenancy, { tenants: 4, rowsPerTable: 5, seed: 7 });
  return openAttackEnv(url, snapshot, tenancy, manifest);
}

describe('read-through-function', () => {
  it('finds security definer functions that count every tenant’s rows, by non-interference', async () => {
    const env = await flawAttackEnv(server(), 'security-definer-touches-tenant-data', 'broken');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.verdict).toBe('fail');
      const names = result.findings.map((f) => f.subject.table);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n === 'note_count' || n === 'note_total')).toBe(true);
      for (const finding of result.findings) {
        expect(finding.message).toMatch(/returns another result once tenant #\d’s rows are removed/);
        expect(finding.evidence?.['excerpt']).toMatch(/"4"|"12"/);
        expect(finding.reproduction).toMatch(/SELECT "public"\."note_(count|total)"\(.*\) AS "result";/);
        expect(finding.reproduction).not.toMatch(/DELETE/);
      }
    } finally {
      await env.close();
    }
  });

  it('finds nothing when the functions run with the caller’s rights or pin the tenant', async () => {
    const env = await flawAttackEnv(server(), 'security-definer-touches-tenant-data', 'fixed');
    try {
      const result = await attackWith(env, probe, 300);
      expect(result.findings).toEqual([]);
      expect(result.stats?.['runs']).toBeGreaterThanOrEqual(300);
    } finally {
      await env.close();
    }
  });

  it('raises no false alarm on the secure reference with safe functions over 1,000 generated attacks', async () => {
    const env = await referenceWithFunctions();
    try {
      expect(env.surface.functions.length).toBeGreaterThanOrEqual(8);
      const result = await attackWith(env, probe, 1000);
      expect(result.findings).toEqual([]);
      expect(result.stats?.['runs']).toBeGreaterThanOrEqual(1000);
    } finally {
      await env.close();
    }
  });
});
