import { join } from 'node:path';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import type { SeedManifest } from '../src/core/manifest.ts';
import { applySchema } from '../src/db/apply-schema.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { withClient } from '../src/db/connect.ts';
import type { StartedDatabase } from '../src/db/database.ts';
import { packageRoot } from '../src/pipeline/tool-info.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';

/** A seeded reference database, with the app role's credentials, for a bench section. */
export interface SeededReference {
  db: StartedDatabase;
  manifest: SeedManifest;
  appRole: { name: string; password: string };
}

/** Starts embedded Postgres with the reference schema seeded as asked, runs `work`, stops it. */
export async function withSeededReference<T>(seed: { tenants: number; rowsPerTable: number; seed: number }, work: (reference: SeededReference) => Promise<T>): Promise<T> {
  const scenario = await loadScenario(join(packageRoot, 'scenarios', 'reference.ts'));
  const db = await embeddedBackend().start();
  try {
    await applySchema(db.adminUrl, scenario.schema);
    const snapshot = await withClient(db.adminUrl, (c) => introspect(c));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const manifest = await seedTenants(db.adminUrl, snapshot, tenancy, seed);
    const login = tenancy.appRole.login;
    return await work({ db, manifest, appRole: { name: tenancy.appRole.name, password: login.method === 'password' ? login.password : '' } });
  } finally {
    await db.stop();
  }
}
