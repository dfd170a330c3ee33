import type { SqlClient } from '../../core/sql.ts';

/** Facts about the server and the session that took the snapshot. */
export interface ServerInfo {
  serverVersion: string;
  serverVersionNum: number;
  database: string;
  currentUser: string;
  /** The transaction's start: every query of the snapshot sees the catalog as of then. */
  takenAt: string;
}

const serverSql = `
select current_setting('server_version') as version, current_setting('server_version_num')::int as version_num,
  current_database()::text as database, current_user::text as current_user, now() as taken_at`;

// Custom settings (any name with a dot: app.tenant_id, request.jwt.claims) only exist once
// something defines them, and placeholders are hidden from pg_settings. So the names come
// from pg_settings (extension GUCs) and from ALTER DATABASE/ROLE ... SET entries for this
// database, and the values are what this session would read with current_setting().
const settingsSql = `
select name, setting from pg_settings
where name in ('row_security', 'search_path', 'default_transaction_read_only') or name like '%.%'
union
select distinct split_part(cfg, '=', 1), current_setting(split_part(cfg, '=', 1), true)
from pg_db_role_setting s, unnest(s.setconfig) cfg
where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
  and split_part(cfg, '=', 1) like '%.%'
order by 1`;

/** Reads the server version, database, current user and snapshot time. */
export async function readServerInfo(client: SqlClient): Promise<ServerInfo> {
  const { rows } = await client.query<{ version: string; version_num: number; database: string; current_user: string; taken_at: Date }>(serverSql);
  const row = rows[0]!;
  return {
    // `server_version` may carry a distribution suffix ("15.18 (Debian 15.18-1)").
    serverVersion: row.version.split(' ')[0]!,
    serverVersionNum: Number(row.version_num),
    database: row.database,
    currentUser: row.current_user,
    takenAt: new Date(row.taken_at).toISOString(),
  };
}

/** Reads the settings relevant to RLS and every custom (dotted) setting. */
export async function readSettings(client: SqlClient): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; setting: string | null }>(settingsSql);
  const settings: Record<string, string> = {};
  for (const row of rows) settings[row.name] = row.setting ?? '';
  return settings;
}
