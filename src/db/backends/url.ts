import { randomBytes } from 'node:crypto';
import { HarnessError, messageOf } from '../../core/errors.ts';
import { connectClient, describeUrl, pgErrorFields, readServerVersion, redactCredentials, withDatabase } from '../connect.ts';
import type { DatabaseBackend, StartedDatabase, StartOptions } from '../database.ts';
import { productionContent, productionName, refuseProduction } from '../production-guard.ts';
import { quoteIdent } from '../quote.ts';

/** Options of the url backend. */
export interface UrlBackendOptions {
  /** Connection string of an existing server (contains credentials; never printed). */
  url: string;
  /** The user says this database is disposable: the harness may write to it. */
  disposable?: boolean;
  /** Create a scratch database on that server, work there, and drop it at the end. */
  scratch?: boolean;
  /** Skip the production rule (`--not-production`): the user says this is not production. */
  notProduction?: boolean;
}

/**
 * An existing server. Read-only unless the user passed `disposable` (write to the given
 * database) or `scratch` (create and drop a database of our own beside it). Either is refused
 * when the database looks like production (`production-guard.ts`), unless `notProduction`.
 */
export function urlBackend(options: UrlBackendOptions): DatabaseBackend {
  return {
    name: 'url',
    async start(startOptions: StartOptions = {}): Promise<StartedDatabase> {
      const began = performance.now();
      // Read-only unless this session must create the scratch database.
      const client = await connectClient(options.url, { connectTimeoutMs: 10_000, readOnly: !options.scratch });
      let version;
      let scratchName: string | undefined;
      try {
        version = await readServerVersion(client);
        if ((options.disposable || options.scratch) && !options.notProduction) {
          // --scratch never touches the given database's rows, so only its name counts there.
          const { host, port, database } = describeUrl(options.url);
          const match = productionName(database) ?? (options.scratch ? null : await productionContent(client));
          if (match) throw refuseProduction(database, host, port, match, Boolean(options.scratch));
        }
        if (options.scratch) {
          scratchName = `tenantguard_scratch_${randomBytes(5).toString('hex')}`;
          await client.query(`create database ${quoteIdent(scratchName)}`).catch((error: unknown) => {
            const denied = pgErrorFields(error)?.code === '42501';
            throw new HarnessError('unsafe-target', `cannot create a scratch database: ${redactCredentials(messageOf(error))}`, {
              hint: denied ? 'The role needs CREATEDB for --scratch; or pass --disposable for a database you may overwrite.' : undefined,
            });
          });
        }
      } finally {
        await client.end().catch(() => {});
      }
      const adminUrl = scratchName ? withDatabase(options.url, scratchName) : options.url;
      const { host, port, database } = describeUrl(adminUrl);
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= scratchName ? dropScratch(options.url, scratchName, version.num) : Promise.resolve());
      startOptions.signal?.addEventListener('abort', () => void stop(), { once: true });
      return {
        backend: 'url',
        adminUrl,
        summary: {
          backend: 'url',
          host,
          port,
          database,
          serverVersion: version.version,
          writable: Boolean(options.disposable || scratchName),
        },
        serverVersionNum: version.num,
        startMs: Math.round(performance.now() - began),
        stop,
        [Symbol.asyncDispose]: stop,
      };
    },
  };
}

async function dropScratch(url: string, name: string, versionNum: number): Promise<void> {
  const client = await connectClient(url);
  try {
    // WITH (FORCE) (PG 13+) ends our own leftover connections, e.g. after an interrupt.
    const force = versionNum >= 130000 ? ' with (force)' : '';
    await client.query(`drop database if exists ${quoteIdent(name)}${force}`);
  } finally {
    await client.end().catch(() => {});
  }
}
