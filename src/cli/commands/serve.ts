import { Option, type Command } from 'commander';
import { jsonLineLog } from '../../app/app-log.ts';
import { flawNames, parseFlaw } from '../../app/flaws.ts';
import { availableParallelism } from 'node:os';
import { createFairnessGate, defaultFairnessConfig } from '../../app/fairness/index.ts';
import { startReferenceApp, type ReferenceApp } from '../../app/start-app.ts';
import { inferTenancy } from '../../catalog/infer-tenancy.ts';
import { introspect } from '../../catalog/introspect.ts';
import { HarnessError } from '../../core/errors.ts';
import { randomRunSeed } from '../../core/seed-random.ts';
import { applySchema } from '../../db/apply-schema.ts';
import { embeddedBackend } from '../../db/backends/embedded.ts';
import { withClient } from '../../db/connect.ts';
import type { StartedDatabase } from '../../db/database.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { seedTenants } from '../../seed/seed-tenants.ts';
import { defaultScenarioPath, wholeNumber } from '../execute.ts';
import { abortOnSignals } from '../interrupt.ts';
import { printError, progressPrinter } from '../output.ts';

/** Options of `tenantguard serve`. */
export interface ServeCommandOptions {
  port: number;
  host: string;
  flaw?: string;
  tenants?: number;
  rows?: number;
  seed?: number;
  pgBin?: string;
  /** False with --no-fairness. */
  fairness?: boolean;
}

/** Resolves when the signal aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** The first `count` tenants with one member each, read as the admin (for example tokens). */
async function sampleTenants(adminUrl: string, ids: string[]): Promise<{ tenant: string; user: string }[]> {
  return withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ tenant: string; user: string }>(
      `select t.id::text as tenant, (select m.user_id::text from public.memberships m where m.tenant_id = t.id order by m.user_id limit 1) as "user"
         from unnest($1::uuid[]) with ordinality as t(id, n) order by t.n`,
      [ids],
    );
    return rows.map((r) => ({ tenant: r.tenant, user: r.user ?? 'anonymous' }));
  });
}

/**
 * `tenantguard serve`: embedded Postgres with the reference schema, seeded, and the reference
 * app in front of it, until Ctrl-C. Progress and the app's JSON log go to stderr; the URL,
 * tokens and curl lines to stdout.
 */
async function serve(scenarioPath: string | undefined, options: ServeCommandOptions): Promise<void> {
  const flaw = parseFlaw(options.flaw);
  const scenario = await loadScenario(scenarioPath ?? defaultScenarioPath);
  const say = (text: string) => process.stderr.write(`${text}\n`);
  const interrupt = abortOnSignals((name) => say(`\n${name}: stopping the app and Postgres…`));
  const signal = interrupt.signal;
  const onEvent = progressPrinter(null, false);
  let db: StartedDatabase | undefined;
  let app: ReferenceApp | undefined;
  try {
    db = await embeddedBackend({ binDir: options.pgBin }).start({ signal, onEvent });
    await applySchema(db.adminUrl, scenario.schema, { signal, onEvent });
    const snapshot = await withClient(db.adminUrl, (client) => introspect(client));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    const login = tenancy.appRole.login;
    if (login.method !== 'password') {
      throw new HarnessError('usage', 'the reference app logs in with the app role’s password', { hint: 'Give tenancy.appRole a password in the scenario.' });
    }
    const seed = options.seed ?? scenario.seed.seed ?? randomRunSeed();
    const manifest = await seedTenants(db.adminUrl, snapshot, tenancy, {
      tenants: options.tenants ?? scenario.seed.tenants,
      rowsPerTable: options.rows ?? scenario.seed.rowsPerTable,
      seed,
      onEvent,
      signal,
    });
    const poolSize = 10;
    // Fairness controls on by default, sized to the pool and the machine; --no-fairness turns them off.
    const gate = options.fairness === false ? undefined : createFairnessGate(defaultFairnessConfig(poolSize, availableParallelism()));
    app = await startReferenceApp({
      databaseUrl: db.adminUrl,
      appRole: { name: tenancy.appRole.name, password: login.password },
      poolSize,
      ...(gate ? { fairness: gate } : {}),
      port: options.port,
      host: options.host,
      ...(flaw ? { flaw } : {}),
      log: jsonLineLog((line) => process.stderr.write(line)),
      signal,
    });
    const samples = await sampleTenants(db.adminUrl, manifest.tenants.slice(0, 3).map((t) => t.id));
    const out: string[] = [`tenantguard reference app on ${app.url}${flaw ? ` (flaw: ${flaw})` : ''} · seed ${seed}`, ''];
    for (const [i, sample] of samples.entries()) {
      out.push(`tenant ${sample.tenant} (user ${sample.user})`, `  TOKEN${i + 1}=${await app.mintToken(sample.tenant, sample.user, { expiresInSeconds: 24 * 3600 })}`);
    }
    out.push('', 'try:', `  curl -s ${app.url}/health`, `  curl -s -H "Authorization: Bearer $TOKEN1" ${app.url}/projects`);
    out.push(`  curl -s -H "Authorization: Bearer $TOKEN1" '${app.url}/search/documents?q=tg'`, `  curl -s -H "Authorization: Bearer $TOKEN1" ${app.url}/reports/summary`);
    out.push(`  curl -s -H "Authorization: Bearer $TOKEN1" -H 'content-type: application/json' -d '{"name":"Demo","slug":"demo"}' ${app.url}/projects`);
    out.push('', 'Ctrl-C stops the app and Postgres.', '');
    process.stdout.write(out.join('\n'));
    await aborted(signal);
  } finally {
    await app?.close();
    await db?.stop();
    interrupt.dispose();
  }
}

/** Registers `tenantguard serve [scenario]`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start embedded Postgres with the reference schema, seed it, and serve the reference HTTP app until Ctrl-C')
    .argument('[scenario]', 'scenario file for tenancy and seed sizes; default: the shipped reference scenario')
    .option('--port <n>', 'port to listen on (0: any free port)', wholeNumber(0, 65_535), 3000)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .addOption(new Option('--flaw <name>', 'switch on one flaw of the reference app').choices(flawNames))
    .option('--tenants <n>', 'number of tenants to seed', wholeNumber(1, 10_000))
    .option('--rows <n>', 'rows per tenant per table', wholeNumber(0, 1_000_000))
    .option('--seed <n>', "seed (default: the scenario's, else random)", wholeNumber(0, 0x7fffffff))
    .option('--pg-bin <dir>', 'use these Postgres binaries (e.g. /usr/lib/postgresql/15/bin)')
    .option('--no-fairness', 'serve without the per-tenant fairness controls')
    .action(async (scenarioPath: string | undefined, options: ServeCommandOptions) => {
      try {
        await serve(scenarioPath, options);
      } catch (error) {
        process.exitCode = printError(error);
      }
    });
}
