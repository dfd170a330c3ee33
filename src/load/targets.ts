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
  /** A few of its row ids (the reference app: projects): the victims' light reads and the aggressor's writes. */
  ids: string[];
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
  const tenants: LoadTenant[] = rows.map((r, index) => ({ index, id: r.id, user: r.user ?? '', plan: r.plan, ids: r.projects ?? [] }));
  const usable = tenants.filter((t) => t.user !== '' && t.ids.length > 0);
  // Fewer tenants than the profile wants: fewer victims, but at least one beside the aggressor.
  if (usable.length < 2) {
    throw new HarnessError('usage', `the load experiment needs at least 2 seeded tenants with a member and projects (an aggressor and a victim), found ${usable.length}`, { hint: 'Seed more tenants (--tenants) and rows (--rows).' });
  }
  const generous = [...usable].sort((a, b) => planRank(a.plan) - planRank(b.plan) || a.index - b.index);
  // Victims are quiet tenants: within their plan's limits, so on the most generous plans left
  // (a free plan's rate limit is below the victims' fixed rate; they would throttle themselves).
  return { aggressor: generous[0]!, victims: generous.slice(1, Math.min(victims, usable.length - 1) + 1) };
}

/**
 * The routes a load experiment uses, per app: the victims' light reads, and what each aggressor
 * pattern sends. The reference app's are fixed; a user's API's come from its description.
 */
export interface LoadRoutes {
  /** A victim's light reads (lookups by id, a small page). */
  light(tenant: LoadTenant): string[];
  /** Heavy reads (reports, searches); null when the API describes none. */
  heavy: string[] | null;
  /** Large list pages. */
  lists: string[];
  /** Writes of the aggressor's own rows; null when the API describes none. */
  write: { method: 'PATCH' | 'PUT' | 'POST'; paths(tenant: LoadTenant): string[]; body: string } | null;
}

/** The reference app's routes. */
export const referenceRoutes: LoadRoutes = {
  light: (t) => [...t.ids.map((id) => `/projects/${id}`), '/projects?limit=20'],
  heavy: ['/reports/summary'],
  lists: ['/projects?limit=200', '/documents?limit=200', '/invoices?limit=200'],
  write: { method: 'PATCH', paths: (t) => t.ids.map((id) => `/projects/${id}`), body: JSON.stringify({ name: 'tenantguard load' }) },
};

/** A victim's open-loop light reads. */
export function victimSpec(url: string, victim: LoadTenant, headers: Record<string, string>, profile: LoadProfile, seconds: number, routes: LoadRoutes = referenceRoutes): LoadSpec {
  return {
    label: `victim #${victim.index}`,
    url,
    paths: routes.light(victim),
    headers,
    connections: profile.victimConnections,
    durationSeconds: seconds,
    ratePerSecond: profile.victimRate,
    // The measuring instrument: its own scheduling should not be what it measures.
    priority: -5,
    // Pooled over victims and repeats for the judgement (summarize.ts).
    keepLatencies: true,
  };
}

/**
 * The aggressor's HTTP load for a pattern at a step; null for `long-transactions` (database
 * sessions) and for a pattern the routes cannot express (no heavy read, no write described).
 */
export function aggressorSpec(url: string, aggressor: LoadTenant, headers: Record<string, string>, pattern: LoadPattern, connections: number, seconds: number, routes: LoadRoutes = referenceRoutes): LoadSpec | null {
  // The step ends when the victims are done: the aggressor's requests still queued behind the
  // gate then are not waited for (its latencies are not judged). A short client timeout would
  // do the same but churn connections, which itself slows the victims.
  const base = { label: 'aggressor', url, headers, connections, durationSeconds: seconds, drainSeconds: 0.2 };
  switch (pattern) {
    case 'heavy-reports':
      return routes.heavy && routes.heavy.length > 0 ? { ...base, paths: routes.heavy } : null;
    case 'hot-reads':
      return routes.lists.length > 0 ? { ...base, paths: routes.lists } : null;
    case 'write-bursts': {
      const paths = routes.write?.paths(aggressor) ?? [];
      return routes.write && paths.length > 0 ? { ...base, method: routes.write.method, paths, body: routes.write.body } : null;
    }
    case 'connection-flood':
      return { ...base, connections: connections * 4, paths: routes.light(aggressor).slice(0, 1) };
    case 'long-transactions':
      return null;
  }
}
