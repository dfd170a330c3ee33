import type { ApiOperation, HttpApi } from '../attacks/http/api.ts';
import { buildHttpTarget } from '../attacks/http/build-target.ts';
import { fillBody, fillPath, type TemplateValues } from '../attacks/http/template.ts';
import { HarnessError } from '../core/errors.ts';
import type { OnEvent } from '../core/events.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { LoadSubject } from '../load/experiment.ts';
import type { LoadRoutes, LoadTenant } from '../load/targets.ts';
import type { ScenarioHttp } from '../scenario/http-types.ts';
import { jwtSecretOf, startScenarioApp } from './http-phase.ts';

/**
 * A user's own API as the load experiment's subject, from the scenario's `http` section: the
 * victims read by id from the first resource with a `get` route (and its list), the aggressor
 * uses the described `reads` for heavy work, the list routes for hot reads and the first
 * `update` route on its own rows for write bursts. The app has no fairness switch: it is
 * measured as configured, and gated. A started app can be started again as another role, so
 * the RLS overhead is measured too; an app that runs already cannot.
 */

/** Options of {@link apiSubject}. */
export interface ApiSubjectOptions {
  http: ScenarioHttp;
  api: HttpApi;
  adminUrl: string;
  manifest: SeedManifest;
  victims: number;
  onEvent: OnEvent;
  signal?: AbortSignal;
}

const loadMarker = 'tenantguard-load';

/** Builds the subject; the app is started only by `start`. */
export async function apiSubject(options: ApiSubjectOptions): Promise<LoadSubject> {
  const { api, http } = options;
  // One secret for every start of the app in this experiment, so credentials stay valid.
  const secret = jwtSecretOf(http);
  const target = await buildHttpTarget({ url: 'http://127.0.0.1:1', api, adminUrl: options.adminUrl, manifest: options.manifest, ...(secret !== undefined ? { jwtSecret: secret } : {}) });
  const lightAt = api.resources.findIndex((r) => r.get !== undefined);
  if (lightAt < 0) throw new HarnessError('usage', `the load experiment needs a resource with a get route in the http section of ${api.name}: the victims read by id`);
  const tenants: LoadTenant[] = target.tenants.map((t) => ({ index: t.index, id: t.id, user: t.user, plan: 'as seeded', ids: t.ids[lightAt]!.slice(0, 8) }));
  const usable = tenants.filter((t) => t.ids.length > 0);
  if (usable.length < 2) throw new HarnessError('usage', `the load experiment needs at least 2 seeded tenants with rows of ${api.resources[lightAt]!.table}, found ${usable.length}`, { hint: 'Seed more tenants (--tenants) and rows (--rows).' });
  const cast = { aggressor: usable[0]!, victims: usable.slice(1, Math.min(options.victims, usable.length - 1) + 1) };
  const values = (t: LoadTenant, id?: string): TemplateValues => ({ tenant: t.id, user: t.user, marker: loadMarker, row: null, ...(id !== undefined ? { id } : {}) });
  const fill = (op: ApiOperation, t: LoadTenant, id?: string) => fillPath(op.path, values(t, id));
  const light = api.resources[lightAt]!;
  const writeAt = api.resources.findIndex((r) => r.update !== undefined);
  const write = writeAt >= 0 ? api.resources[writeAt]!.update! : undefined;
  const routes: LoadRoutes = {
    light: (t) => [...t.ids.slice(0, 4).map((id) => fill(light.get!, t, id)), ...(light.list ? [fill(light.list, t)] : [])],
    heavy: api.reads.length > 0 ? api.reads.map((path) => fillPath(path, values(cast.aggressor))) : null,
    lists: api.resources.flatMap((r) => (r.list ? [fill(r.list, cast.aggressor)] : [])),
    write:
      write && (write.method === 'PATCH' || write.method === 'PUT' || write.method === 'POST')
        ? {
            method: write.method,
            paths: (t) => (target.tenants[t.index]!.ids[writeAt] ?? []).slice(0, 8).map((id) => fill(write, t, id)),
            body: JSON.stringify(fillBody(write.body ?? {}, values(cast.aggressor))),
          }
        : null,
  };
  return {
    fairnessSwitch: false,
    reference: false,
    restartable: http.app.kind === 'start',
    cast,
    routes,
    async start(role) {
      const app = await startScenarioApp({ http, adminUrl: options.adminUrl, role, jwtSecret: secret, onEvent: options.onEvent, ...(options.signal ? { signal: options.signal } : {}) });
      return { url: app.url, headers: (t) => target.credentials(t.index), close: app.stop };
    },
  };
}
