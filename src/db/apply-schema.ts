import { readFile } from 'node:fs/promises';
import { loadModule, parseSync } from 'libpg-query';
import type pg from 'pg';
import { relative } from 'node:path';
import { HarnessError, messageOf } from '../core/errors.ts';
import { ignoreEvents, type OnEvent } from '../core/events.ts';
import type { SourceLocation } from '../core/check.ts';
import { withClient, pgErrorFields } from './connect.ts';

/** Options of {@link applySchema}. */
export interface ApplySchemaOptions {
  onEvent?: OnEvent;
  signal?: AbortSignal;
  /** Paths in messages are shown relative to this directory (default: the working directory). */
  baseDir?: string;
}

/** The 1-based line and column of the `position`-th character (1-based, in code points) of `text`. */
export function locate(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let index = 1;
  for (const ch of text) {
    if (index >= position) break;
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
    index++;
  }
  return { line, column };
}

function rejectMetaCommands(file: string, sql: string): void {
  const lines = sql.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^\s*(\\[a-zA-Z!]+)/.exec(lines[i]!);
    if (match) {
      throw new HarnessError('schema-failed', `${file}:${i + 1}: psql meta-command ${match[1]} is not SQL`, {
        hint: 'Schema files are sent to the server as plain SQL; inline the file or list it in the scenario instead.',
      });
    }
  }
}

/**
 * Applies schema files in order, in one transaction: all of them or none. A SQL error names
 * the file, line and column from the server's error position.
 */
export async function applySchema(adminUrl: string, files: readonly string[], options: ApplySchemaOptions = {}): Promise<{ durationMs: number }> {
  const onEvent = options.onEvent ?? ignoreEvents;
  const began = performance.now();
  const sources: { file: string; shown: string; sql: string }[] = [];
  for (const file of files) {
    const shown = relative(options.baseDir ?? process.cwd(), file) || file;
    let sql: string;
    try {
      sql = await readFile(file, 'utf8');
    } catch (error) {
      throw new HarnessError('scenario-invalid', `schema file ${shown} cannot be read: ${messageOf(error)}`);
    }
    rejectMetaCommands(shown, sql);
    sources.push({ file, shown, sql });
  }
  await withClient(adminUrl, async (client) => {
    await client.query('begin');
    for (const [i, source] of sources.entries()) {
      if (options.signal?.aborted) throw new HarnessError('interrupted', 'interrupted while applying the schema');
      onEvent({ type: 'progress', phase: 'schema', done: i + 1, total: sources.length, detail: source.shown });
      try {
        await client.query(source.sql);
      } catch (error) {
        await client.query('rollback').catch(() => {});
        const statement = pgErrorFields(error)?.position ? undefined : await failingStatement(client, sources.slice(0, i), source.sql);
        throw schemaError(source.shown, source.sql, error, statement);
      }
    }
    await client.query('commit');
  });
  return { durationMs: Math.round(performance.now() - began) };
}

/**
 * Where the statement that failed starts (1-based, in characters), for errors the server gives
 * no position for (`relation already exists`, errors raised inside functions): the files are
 * run again in a transaction that is rolled back, this one statement by statement as the real
 * PostgreSQL parser splits it, until one fails. Undefined when that cannot tell.
 */
async function failingStatement(client: pg.ClientBase, before: readonly { sql: string }[], sql: string): Promise<number | undefined> {
  let statements: { stmt_location?: number; stmt_len?: number }[];
  try {
    await loadModule();
    statements = (parseSync(sql) as { stmts?: { stmt_location?: number; stmt_len?: number }[] }).stmts ?? [];
  } catch {
    return undefined;
  }
  const bytes = Buffer.from(sql, 'utf8');
  try {
    await client.query('begin');
    for (const earlier of before) await client.query(earlier.sql);
    for (const statement of statements) {
      const start = statement.stmt_location ?? 0;
      const text = bytes.subarray(start, statement.stmt_len ? start + statement.stmt_len : undefined).toString('utf8');
      try {
        await client.query(text);
      } catch {
        // The parser counts bytes from the end of the previous statement: skip to the first token.
        const skipped = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/.exec(text)?.[0].length ?? 0;
        return bytes.subarray(0, start).toString('utf8').length + skipped + 1;
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await client.query('rollback').catch(() => {});
  }
}

/** The HarnessError for a failed schema file, with its location when the server gave one (or `statement`, where the failing statement starts). */
export function schemaError(file: string, sql: string, error: unknown, statement?: number): HarnessError {
  const fields = pgErrorFields(error);
  const location: SourceLocation = { file, line: 0 };
  if (fields?.position) Object.assign(location, locate(sql, Number(fields.position)));
  else if (statement !== undefined) Object.assign(location, locate(sql, statement));
  const where = location.line > 0 ? `${file}:${location.line}:${location.column}` : file;
  const details = [fields?.detail && `detail: ${fields.detail}`, fields?.hint && `hint: ${fields.hint}`, fields?.where && `context: ${fields.where}`]
    .filter(Boolean)
    .join('; ');
  const inTransaction = fields?.code === '25001';
  return new HarnessError('schema-failed', `${where}: ${messageOf(error)}${details ? ` (${details})` : ''}`, {
    hint: inTransaction
      ? 'tenantguard applies all schema files in one transaction; move statements that cannot run in a transaction block out of the schema.'
      : 'Fix the statement and run again; nothing was applied (the schema runs in one transaction).',
    cause: error,
  });
}
