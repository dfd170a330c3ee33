import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpApi } from '../../src/attacks/http/api.ts';
import { CanaryCodec } from '../../src/core/canary.ts';
import type { SeedManifest } from '../../src/core/manifest.ts';
import { createPool, withClient } from '../../src/db/connect.ts';

/**
 * A tiny API that is not the reference app, for the genericity tests of the HTTP attacks:
 * workspaces, API keys in a header, items with bigint ids under other paths than the
 * reference's. `flaw` switches one hole in: `idor` (an id route forgets the workspace) or
 * `override` (an `X-Workspace-Id` header beats the key).
 */

/** The tiny API's schema. */
export const tinySchema = `
create table public.workspaces (id uuid primary key, name text not null);
create table public.api_keys (key text primary key, workspace_id uuid not null references public.workspaces (id) on delete cascade);
create table public.items (id bigint generated always as identity primary key, workspace_id uuid not null references public.workspaces (id) on delete cascade, label text not null unique);
`;

/** The tiny API as the attacks see it. */
export const tinyApi: HttpApi = {
  name: 'tiny',
  auth: { kind: 'header', header: 'x-api-key', query: 'select key from public.api_keys where workspace_id = $1' },
  resources: [
    {
      table: 'public.items',
      createdIdField: 'data.id',
      list: { method: 'GET', path: '/v2/ws/{tenant}/items' },
      get: { method: 'GET', path: '/v2/items/{id}' },
      create: { method: 'POST', path: '/v2/items', body: { label: '{marker}' } },
      update: { method: 'PUT', path: '/v2/items/{id}', body: { label: 'renamed {marker}' } },
      delete: { method: 'DELETE', path: '/v2/items/{id}' },
    },
  ],
  reads: [],
  tenantOverrides: { headers: ['X-Workspace-Id'], bodyFields: [], queryParams: [] },
  health: '/health',
};

/** Seeds two workspaces with canary rows and returns the manifest the attacks read. */
export async function seedTiny(url: string, runSeed = 5): Promise<SeedManifest> {
  const codec = new CanaryCodec(runSeed, 2);
  const tenants = [0, 1].map((index) => ({ index, id: codec.uuid(index, 0) }));
  return withClient(url, async (client) => {
    for (const t of tenants) {
      await client.query('insert into public.workspaces values ($1, $2)', [t.id, `ws ${codec.token(t.index, 0)}`]);
      await client.query('insert into public.api_keys values ($1, $2)', [`key-${t.index}`, t.id]);
      for (let n = 1; n <= 3; n++) await client.query('insert into public.items (workspace_id, label) values ($1, $2)', [t.id, codec.token(t.index, n)]);
    }
    const { rows } = await client.query<{ id: string; ws: string }>('select id::text, workspace_id::text as ws from public.items order by id');
    const keys = (of: (t: (typeof tenants)[number]) => string[][]) => new Map(tenants.map((t) => [t.index, of(t)]));
    const table = (name: string, ownership: SeedManifest['tables'][number]['ownership'], keyColumns: string[], k: Map<number, string[][]>) => ({ table: { schema: 'public', name }, ownership, keyColumns, keys: k, canaryColumns: [], plainColumns: [], rowCount: 0 });
    return {
      runSeed,
      runTag: codec.runTag,
      tenants,
      tables: [
        table('workspaces', { kind: 'registry' }, ['id'], keys((t) => [[t.id]])),
        table('api_keys', { kind: 'column', column: 'workspace_id' }, ['key'], keys((t) => [[`key-${t.index}`]])),
        table('items', { kind: 'column', column: 'workspace_id' }, ['id'], keys((t) => rows.filter((r) => r.ws === t.id).map((r) => [r.id]))),
      ],
      problems: [],
      totalRows: 10,
      durationMs: 0,
    };
  });
}

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the tiny API on loopback; `close` stops it and its pool. */
export async function startTiny(databaseUrl: string, flaw?: 'idor' | 'override'): Promise<{ url: string; close(): Promise<void> }> {
  const pool = createPool(databaseUrl, 4);
  const send = (res: ServerResponse, status: number, body?: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (path === '/health') return send(res, 200, { ok: true });
    const key = await pool.query<{ ws: string }>('select workspace_id::text as ws from public.api_keys where key = $1', [req.headers['x-api-key'] ?? '']);
    let ws = key.rows[0]?.ws;
    if (!ws) return send(res, 401, { error: 'bad key' });
    // FLAW(override): the header names the workspace, whatever the key says.
    if (flaw === 'override' && typeof req.headers['x-workspace-id'] === 'string') ws = req.headers['x-workspace-id'];
    const list = /^\/v2\/ws\/([^/]+)\/items$/.exec(path);
    if (list && req.method === 'GET') {
      if (decodeURIComponent(list[1]!) !== ws) return send(res, 404, { error: 'no such workspace' });
      return send(res, 200, { data: (await pool.query('select id, label from public.items where workspace_id = $1 order by id', [ws])).rows });
    }
    if (path === '/v2/items' && req.method === 'POST') {
      const body = await bodyOf(req);
      const created = await pool.query('insert into public.items (workspace_id, label) values ($1, $2) returning id::text', [ws, body['label']]).catch(() => null);
      return created ? send(res, 201, { data: created.rows[0] }) : send(res, 409, { error: 'duplicate' });
    }
    const item = /^\/v2\/items\/(\d+)$/.exec(path);
    if (!item) return send(res, 404, { error: 'no route' });
    // FLAW(idor): the id routes forget the workspace.
    const scope = flaw === 'idor' ? '$2::uuid is not null' : 'workspace_id = $2';
    const args = [item[1], ws];
    const found =
      req.method === 'GET' ? await pool.query(`select id, label from public.items where id = $1 and ${scope}`, args)
      : req.method === 'PUT' ? await pool.query(`update public.items set label = $3 where id = $1 and ${scope} returning id`, [...args, (await bodyOf(req))['label']])
      : req.method === 'DELETE' ? await pool.query(`delete from public.items where id = $1 and ${scope} returning id`, args)
      : null;
    if (!found || found.rows.length === 0) return send(res, 404, { error: 'not found' });
    return req.method === 'DELETE' ? send(res, 204) : send(res, 200, { data: found.rows[0] });
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => send(res, 500, { error: 'internal' })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}
