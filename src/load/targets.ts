import type { SeedManifest } from '../core/manifest.ts';
import { HarnessError } from '../core/errors.ts';
import { withClient } from '../db/connect.ts';
import type { LoadSpec } from './driver.ts';
import type { LoadPattern, LoadProfile } from './profiles.ts';

/**
 * Who plays which part in the experiment, read as the admin from the seeded reference schema:
 * the aggressor is the tenant on the most generous plan (the hardest case for fairness: its
 * own limits are the loosest), the victims the next most generous, in seed order.
 */

/** One tenant of the experiment. */
export interface LoadTenant {
  index: number;
  id: string;
  user: string;
  plan: string;
  /** A few of its project ids: the victims' light reads and the aggressor's writes. */
  projects: string[];
}

/** The cast. */
export interface LoadCast {
  aggressor: LoadTenant;
  victims: LoadTenant[];
}

/** Most generous first; a plan the reference does not know sorts last. */
const planRank = (plan: string) => {
  const rank = ['enterprise', 'pro', 'free'].indexOf(plan);
  return rank < 0 ? 3 : rank;
};

/** Reads the tenants and picks the aggressor and `victims` victims. */
export async function readCast(adminUrl: string, manifest: SeedManifest, victims: number): Promise<LoadCast> {
  const ids = manifest.tenants.map((t) => t.id);
  const rows = await withClient(adminUrl, async (client) =>
    (
      await client.query<{ id: string; plan: string; user: string | null; projects: string[] | null }>(
        `select t.id::text as id, x.plan,
                (select m.user_id::text from public.memberships m where m.tenant_id = t.id order by m.user_id limit 1) as "user",
                (select array_agg(p.id::text order by p.id) from (select id from public.projects p where p.tenant_id = t.id order by id limit 8) p) as projects
           from unnest($1::uuid[]) with ordinality as t(id, n) join public.tenants x on x.id = t.id order by t.n`,
        [ids],
      )
    ).rows,
  );
  const tenants: LoadTenant[] = rows.map((r, index) => ({ index, id: r.id, user: r.user ?? '', plan: r.plan, projects: r.projects ?? [] }));
  const usable = tenants.filter((t) => t.user !== '' && t.projects.length > 0);
  // Fewer tenants than the profile wants: fewer victims, but at least one beside the aggressor.
  if (usable.length < 2) {
    throw new HarnessError('usage', `the load experiment needs at least 2 seeded tenants with a member and projects (an aggressor and a victim), found ${usable.length}`, { hint: 'Seed more tenants (--tenants) and rows (--rows).' });
  }
  const generous = [...usable].sort((a, b) => planRank(a.plan) - planRank(b.plan) || a.index - b.index);
  // Victims are quiet tenants: within their plan's limits, so on the most generous plans left
  // (a free plan's rate limit is below the victims' fixed rate; they would throttle themselves).
  return { aggressor: generous[0]!, victims: generous.slice(1, Math.min(victims, usable.length - 1) + 1) };
}

/** A victim's open-loop light reads. */
export function victimSpec(url: string, victim: LoadTenant, token: string, profile: LoadProfile, seconds: number): LoadSpec {
  return {
    label: `victim #${victim.index}`,
    url,
    paths: [...victim.projects.map((id) => `/projects/${id}`), '/projects?limit=20'],
    headers: { authorization: `Bearer ${token}` },
    connections: profile.victimConnections,
    durationSeconds: seconds,
    ratePerSecond: profile.victimRate,
    // The measuring instrument: its own scheduling should not be what it measures.
    priority: -5,
  };
}

/** The aggressor's HTTP load for a pattern at a step; null for `long-transactions` (database sessions). */
export function aggressorSpec(url: string, aggressor: LoadTenant, token: string, pattern: LoadPattern, connections: number, seconds: number): LoadSpec | null {
  // A client that gives up after 2 s, like most: a step then ends 2 s after its last send at
  // the latest, instead of waiting out requests queued behind the gate for its 10 s.
  const base = { label: 'aggressor', url, headers: { authorization: `Bearer ${token}` }, connections, durationSeconds: seconds, timeoutSeconds: 2 };
  switch (pattern) {
    case 'heavy-reports':
      return { ...base, paths: ['/reports/summary'] };
    case 'hot-reads':
      return { ...base, paths: ['/projects?limit=200', '/documents?limit=200', '/invoices?limit=200'] };
    case 'write-bursts':
      return { ...base, method: 'PATCH', paths: aggressor.projects.map((id) => `/projects/${id}`), body: JSON.stringify({ name: 'tenantguard load' }) };
    case 'connection-flood':
      return { ...base, connections: connections * 4, paths: ['/projects?limit=1'] };
    case 'long-transactions':
      return null;
  }
}
