import { CanaryCodec } from '../../core/canary.ts';
import type { SeedManifest } from '../../core/manifest.ts';
import type { SqlClient } from '../../core/sql.ts';

/** One seeded tenant as the HTTP attacks see it: its ids, a member, and a few row ids per route. */
export interface HttpTenant {
  index: number;
  id: string;
  user: string;
  plan: string;
  projects: { id: string; slug: string }[];
  documents: string[];
  invoices: string[];
}

/** A running app to attack, with the ground truth of its seeded database. */
export interface HttpTarget {
  /** `http://host:port`, no trailing slash. */
  url: string;
  /** Mints a token with the app's own secret (the attacker's legitimate credentials). */
  mintToken(tenantId: string, userId: string, options?: { expiresInSeconds?: number; secret?: string }): Promise<string>;
  /** Admin connection string: reads ground truth, snapshots and restores rows (never sent anywhere). */
  adminUrl: string;
  manifest: SeedManifest;
  codec: CanaryCodec;
  tenants: HttpTenant[];
  /** Connections in the app's pool: bursts are sized to it. */
  poolSize: number;
}

/** Reads, as the admin, a few row ids per tenant from the tables behind the app's routes. */
export async function readHttpTenants(client: SqlClient, manifest: SeedManifest, perTenant = 4): Promise<HttpTenant[]> {
  const ids = manifest.tenants.map((t) => t.id);
  const q = async <R>(sql: string): Promise<R[]> => (await client.query(sql, sql.includes('$2') ? [ids, perTenant] : [ids])).rows as R[];
  const pick = `from unnest($1::uuid[]) with ordinality as t(id, n)`;
  // One client: the queries run one after another.
  const base = await q<{ id: string; user: string | null; plan: string }>(
      `select t.id::text as id, (select m.user_id::text from public.memberships m where m.tenant_id = t.id order by m.user_id limit 1) as "user",
              (select plan from public.tenants x where x.id = t.id) as plan ${pick} order by t.n`,
  );
  const projects = await q<{ tenant: string; id: string; slug: string }>(`select t.id::text as tenant, p.id::text as id, p.slug ${pick} cross join lateral (select id, slug from public.projects p where p.tenant_id = t.id order by id limit $2) p`);
  const documents = await q<{ tenant: string; id: string }>(`select t.id::text as tenant, d.id::text as id ${pick} cross join lateral (select id from public.documents d where d.tenant_id = t.id order by id limit $2) d`);
  const invoices = await q<{ tenant: string; id: string }>(`select t.id::text as tenant, i.id::text as id ${pick} cross join lateral (select id from public.invoices i where i.tenant_id = t.id order by id limit $2) i`);
  return manifest.tenants.map((t, n) => ({
    index: t.index,
    id: t.id,
    user: base[n]?.user ?? t.users?.[0] ?? 'anonymous',
    plan: base[n]?.plan ?? 'free',
    projects: projects.filter((p) => p.tenant === t.id).map(({ id, slug }) => ({ id, slug })),
    documents: documents.filter((d) => d.tenant === t.id).map((d) => d.id),
    invoices: invoices.filter((i) => i.tenant === t.id).map((i) => i.id),
  }));
}

/** The codec that decodes this manifest's canaries. */
export function codecOf(manifest: SeedManifest): CanaryCodec {
  return new CanaryCodec(manifest.runSeed, manifest.tenants.length);
}
