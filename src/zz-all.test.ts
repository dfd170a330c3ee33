import { readdirSync } from 'node:fs';
import { it } from 'vitest';
import { databaseWithSchema } from '../test/helpers/database.ts';
import { embeddedBackend } from './db/backends/embedded.ts';
import { beforeAll, afterAll } from 'vitest';
import type { StartedDatabase } from './db/database.ts';
import { applyFlawFixture, fixtureTenancy } from '../test/helpers/audit.ts';
import { withClient } from './db/connect.ts';
import { introspect } from './catalog/introspect.ts';
import { buildAuditContext } from './audit/context.ts';
import { runAudit } from './audit/run-audit.ts';
import type { AuditRule } from './audit/rule.ts';
let srv: StartedDatabase;
beforeAll(async () => { srv = await embeddedBackend(process.env.PG15 ? { binDir: '/usr/lib/postgresql/15/bin' } : {}).start(); }, 60000);
afterAll(() => srv?.stop());
const server = () => srv;
const ids = ['policy-does-not-constrain-tenant', 'permissive-policy-opens-table', 'write-without-tenant-check', 'tenant-comparison-not-equality', 'current-setting-without-missing-ok', 'policy-calls-function-per-row'];
it('all', async () => {
  console.log('VERSION |', (await withClient(srv.adminUrl, (c) => c.query('show server_version'))).rows[0]);
  const rules: AuditRule[] = [];
  for (const id of ids) rules.push(((await import(`./audit/rules/${id}.ts`)) as { default: AuditRule }).default);
  const show = (label: string, snap: any, tenancy: any) => {
    for (const r of runAudit(buildAuditContext(snap, tenancy), { rules })) {
      if (r.verdict === 'inconclusive') console.log(label, r.meta.id, 'INCONCLUSIVE', r.error);
      for (const f of r.findings) console.log(`${label} | ${r.meta.id} | ${f.severity} | ${f.message}${process.env.FIX ? '\n   FIX: ' + String(f.evidence?.fix) : ''}`);
    }
  };
  const url = await databaseWithSchema(server(), { files: ['/work/main/fixtures/reference/schema.sql'] });
  show('reference', await withClient(url, (c) => introspect(c)), fixtureTenancy('tenantguard_app'));
  for (const id of readdirSync('/work/main/fixtures/flaws').filter((d) => !d.endsWith('.sql'))) for (const v of (ids.includes(id) ? [] : ['broken']) as ('broken' | 'fixed')[]) {
    const fx = await applyFlawFixture(server(), id, v);
    show(`${id}/${v}`, fx.snapshot, fx.tenancy);
  }
}, 120000);
