import { readFile } from 'node:fs/promises';
import { loadModule, parseSync } from 'libpg-query';
import type { SourceLocation } from '../core/check.ts';

/** Kinds of objects whose creating statement can be found in the schema files. */
export type ObjectKind = 'table' | 'policy' | 'view' | 'function';

/** Where the schema files created an object; `table` names the table of a policy. */
export type LocateObject = (kind: ObjectKind, schema: string, name: string, table?: string) => SourceLocation | undefined;

/** A schema file to index: its path on disk and the path to show in findings. */
export interface SchemaSource {
  path: string;
  shown: string;
}

interface RangeVar {
  schemaname?: string;
  relname?: string;
  location?: number;
}

const key = (kind: ObjectKind, schema: string, name: string, table = '') => `${kind}:${schema}.${table ? `${table}.` : ''}${name}`;

/** 1-based line and column of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  const lines = text.slice(0, Math.max(0, offset)).split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** The character offset of the statement's first token, past whitespace and comments. */
function firstToken(text: string, from: number): number {
  const skipped = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/.exec(text.slice(from))?.[0].length ?? 0;
  return from + skipped;
}

/**
 * Indexes the statements of the schema files that create tables, views, materialized views,
 * foreign tables, policies and functions, with the real PostgreSQL parser, so a finding can
 * point at the migration line that created its object (SARIF locations, code annotations).
 * Unqualified names are taken as `public`. Files that do not parse are skipped: locations are
 * a convenience, never a reason to fail a run.
 */
export async function indexSchemaSources(sources: readonly SchemaSource[]): Promise<LocateObject> {
  await loadModule();
  const index = new Map<string, SourceLocation>();
  for (const source of sources) {
    const text = await readFile(source.path, 'utf8');
    const bytes = Buffer.from(text, 'utf8');
    let parsed: { stmts?: { stmt: Record<string, Record<string, unknown>>; stmt_location?: number }[] };
    try {
      parsed = parseSync(text) as typeof parsed;
    } catch {
      continue;
    }
    for (const entry of parsed.stmts ?? []) {
      const [type, body] = Object.entries(entry.stmt)[0] ?? [];
      if (!type || !body) continue;
      // The parser counts bytes; lines and columns are counted in characters.
      const chars = (byteOffset: number) => bytes.subarray(0, byteOffset).toString('utf8').length;
      const at = (byteOffset: number) => ({ file: source.shown, ...position(text, chars(byteOffset)) });
      const start = () => ({ file: source.shown, ...position(text, firstToken(text, chars(entry.stmt_location ?? 0))) });
      const rel = (r: RangeVar | undefined, kind: ObjectKind) => {
        if (r?.relname) index.set(key(kind, r.schemaname ?? 'public', r.relname), at(r.location ?? entry.stmt_location ?? 0));
      };
      if (type === 'CreateStmt') rel(body.relation as RangeVar, 'table');
      else if (type === 'CreateForeignTableStmt') rel((body.base as { relation?: RangeVar })?.relation, 'table');
      else if (type === 'ViewStmt') rel(body.view as RangeVar, 'view');
      else if (type === 'CreateTableAsStmt') rel((body.into as { rel?: RangeVar })?.rel, 'view');
      else if (type === 'CreatePolicyStmt') {
        const table = body.table as RangeVar;
        if (table?.relname) index.set(key('policy', table.schemaname ?? 'public', String(body.policy_name), table.relname), start());
      } else if (type === 'CreateFunctionStmt') {
        const names = ((body.funcname as { String?: { sval?: string } }[]) ?? []).map((n) => n.String?.sval ?? '');
        const name = names[names.length - 1];
        if (name) index.set(key('function', names.length > 1 ? names[0]! : 'public', name), start());
      }
    }
  }
  return (kind, schema, name, table) => index.get(key(kind, schema, name, table)) ?? (kind === 'view' ? index.get(key('table', schema, name)) : undefined);
}
