import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { embeddedBackend } from '../../src/db/backends/embedded.ts';
import { withClient, withDatabase } from '../../src/db/connect.ts';
import { applySchema } from '../../src/db/apply-schema.ts';
import type { StartedDatabase } from '../../src/db/database.ts';
import { quoteIdent } from '../../src/db/quote.ts';

/**
 * Starts a throwaway embedded Postgres for one test file. Call in `beforeAll` and stop it in
 * `afterAll`; make a database per test with {@link createTestDatabase}.
 */
export function startTestServer(): Promise<StartedDatabase> {
  return embeddedBackend().start();
}

/**
 * Starts one server for the calling test file (beforeAll) and stops it after (afterAll);
 * returns a getter for it.
 */
export function useTestServer(): () => StartedDatabase {
  let server: StartedDatabase | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the test server has not started');
    return server;
  };
}

/** Creates an empty database on the server and returns an admin URL for it. */
export async function createTestDatabase(server: StartedDatabase, prefix = 'test'): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withClient(server.adminUrl, (client) => client.query(`create database ${quoteIdent(name)}`));
  return withDatabase(server.adminUrl, name);
}

/**
 * Creates a database and applies schema files, or inline SQL (written to a temp file so the
 * real `applySchema` path, with its error locations, is exercised).
 */
export async function databaseWithSchema(server: StartedDatabase, schema: string | { files: string[] }, prefix = 'test'): Promise<string> {
  const url = await createTestDatabase(server, prefix);
  if (typeof schema === 'string') {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-test-'));
    try {
      const file = join(dir, 'schema.sql');
      await writeFile(file, schema);
      await applySchema(url, [file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    await applySchema(url, schema.files);
  }
  return url;
}
