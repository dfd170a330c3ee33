import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { messageOf } from '../core/errors.ts';
import type { AttemptOutcome, StatementResult } from './app-session.ts';
import { pgErrorFields } from './connect.ts';

/**
 * `COPY ... TO STDOUT` as the application. node-postgres drops COPY data sent to a plain
 * query (it keeps only the row count), so each statement goes through pg-copy-streams and its
 * text comes back as rows `{ line }`: the attack oracle scans them like any other rows.
 */

async function collect(client: pg.PoolClient, sql: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyStreams.to(sql))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs `head` (BEGIN, role, context), then each COPY statement, then ROLLBACK, on one client.
 * A server error ends the attempt and is returned like any attempt's error; anything else
 * (a broken connection) is thrown to the runner.
 */
export async function runCopyOut(client: pg.PoolClient, head: string, statements: readonly string[]): Promise<AttemptOutcome> {
  const notices: string[] = [];
  const onNotice = (notice: { message?: string; detail?: string }) => notices.push([notice.message, notice.detail].filter(Boolean).join(' '));
  client.on('notice', onNotice);
  const results: StatementResult[] = [];
  try {
    await client.query(head);
    for (const statement of statements) {
      const lines = (await collect(client, statement)).split('\n').filter((line) => line !== '');
      results.push({ command: 'COPY', rowCount: lines.length, rows: lines.map((line) => ({ line })) });
    }
    return { results, verify: [], notices };
  } catch (error) {
    const fields = pgErrorFields(error);
    if (!fields?.code) throw error;
    return { results, verify: [], notices, error: { code: fields.code, message: messageOf(error), detail: fields.detail, hint: fields.hint, where: fields.where } };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.off('notice', onNotice);
  }
}
