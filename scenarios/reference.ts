import { defineScenario } from '../src/scenario/define-scenario.ts';

/**
 * The secure reference: a multi-tenant SaaS schema isolated with row-level security the
 * right way. Every check is expected to pass on it; start here and point `schema` at yours.
 * The same scenario is written as `reference.yaml` and `reference.json`.
 */
export default defineScenario({
  name: 'reference',
  schema: ['../fixtures/reference/schema.sql'],
  tenancy: {
    tenantColumns: ['tenant_id'],
    tenantTable: 'public.tenants',
    appRole: { name: 'tenantguard_app', password: 'tenantguard_app', login: 'password' },
    context: { setting: 'app.tenant_id' },
    subject: 'tenant',
  },
  seed: { tenants: 10, rowsPerTable: 20 },
  attacks: { runs: 1000, timeBudgetSeconds: 30 },
  // The HTTP attacks drive tenantguard's own reference app (src/app/) on the seeded database.
  http: { reference: true },
  gates: { failOn: 'high' },
});
