import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inferTenancy } from '../src/catalog/infer-tenancy.ts';
import { introspect } from '../src/catalog/introspect.ts';
import { formatQualifiedName } from '../src/core/names.ts';
import { applySchema } from '../src/db/apply-schema.ts';
import { embeddedBackend } from '../src/db/backends/embedded.ts';
import { withClient, withDatabase } from '../src/db/connect.ts';
import { quoteIdent, quoteQualified } from '../src/db/quote.ts';
import { loadScenario } from '../src/scenario/load-scenario.ts';
import { seedTenants } from '../src/seed/seed-tenants.ts';
import { packageRoot } from '../src/pipeline/tool-info.ts';
import { fmt } from './stats.ts';

const tenants = 100;
const rowsPerTable = 1000;

function psql(url: string, args: string[]): string {
  const parsed = new URL(url);
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PGHOST: parsed.hostname,
      PGPORT: parsed.port,
      PGUSER: decodeURIComponent(parsed.username),
      PGPASSWORD: decodeURIComponent(parsed.password),
      PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
    },
  });
}

/**
 * Seeding throughput of the reference scenario (100 tenants × 1,000 rows per table), next to
 * psql loading exactly the same rows with COPY into the same tables in a fresh database.
 */
export async function benchSeeding(log: (text: string) => void): Promise<string> {
  const scenario = await loadScenario(join(packageRoot, 'scenarios', 'reference.ts'));
  const db = await embeddedBackend().start();
  const dir = mkdtempSync(join(tmpdir(), 'tenantguard-bench-'));
  chmodSync(dir, 0o755);
  try {
    const create = (name: string) => withClient(db.adminUrl, (c) => c.query(`create database ${quoteIdent(name)}`));
    await create('bench_ours');
    await create('bench_psql');
    const ours = withDatabase(db.adminUrl, 'bench_ours');
    const theirs = withDatabase(db.adminUrl, 'bench_psql');
    await applySchema(ours, scenario.schema);
    await applySchema(theirs, scenario.schema);
    const snapshot = await withClient(ours, (c) => introspect(c));
    const { tenancy } = inferTenancy(snapshot, scenario.tenancy);
    log(`  seeding ${tenants} tenants × ${rowsPerTable} rows per table…`);
    const manifest = await seedTenants(ours, snapshot, tenancy, { tenants, rowsPerTable, seed: 1 });
    const oursRate = (manifest.totalRows * 1000) / manifest.durationMs;
    log(`  tenantguard: ${fmt(manifest.totalRows)} rows in ${fmt(manifest.durationMs)} ms`);

    // The same rows, dumped from our database, loaded by psql in the same order in one transaction.
    const tables = manifest.tables.filter((t) => t.rowCount > 0);
    const script: string[] = ['begin;'];
    const names: string[] = [];
    let psqlRows = 0;
    for (const [i, table] of tables.entries()) {
      const relation = snapshot.relations.find((r) => r.schema === table.table.schema && r.name === table.table.name)!;
      const columns = relation.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.name)).join(', ');
      const file = join(dir, `${i}.copy`);
      psql(ours, ['-c', `\\copy (select ${columns} from ${quoteQualified(table.table)}) to '${file}'`]);
      psqlRows += Number(psql(ours, ['-At', '-c', `select count(*) from ${quoteQualified(table.table)}`]).trim());
      script.push(`\\copy ${quoteQualified(table.table)} (${columns}) from '${file}'`);
      names.push(quoteQualified(table.table));
    }
    script.push('commit;', 'analyze;');
    writeFileSync(join(dir, 'load.sql'), `${script.join('\n')}\n`);
    psql(theirs, ['-c', `truncate ${names.join(', ')} cascade`]);
    const began = performance.now();
    psql(theirs, ['-f', join(dir, 'load.sql')]);
    const psqlMs = performance.now() - began;
    const psqlRate = (psqlRows * 1000) / psqlMs;
    log(`  psql COPY: ${fmt(psqlRows)} rows in ${fmt(psqlMs)} ms`);
    const ratio = oursRate / psqlRate;
    return [
      '## Seeding throughput',
      '',
      `Reference scenario, ${tenants} tenants × ${rowsPerTable} rows per tenant per table, embedded PostgreSQL ${db.summary.serverVersion}.`,
      'tenantguard: catalog-driven generation (faker pools + canaries) streamed into COPY, FK order, then ANALYZE.',
      'Baseline: psql `\\copy` of exactly the rows tenantguard produced (dumped from its database), into the same',
      'tables of a fresh database with the same schema, in one transaction, then ANALYZE. Same server, same run.',
      '',
      '| loader | rows | ms | rows/s |',
      '|---|---:|---:|---:|',
      `| tenantguard seed | ${fmt(manifest.totalRows)} | ${fmt(manifest.durationMs)} | ${fmt(oursRate)} |`,
      `| psql COPY (baseline) | ${fmt(psqlRows)} | ${fmt(psqlMs)} | ${fmt(psqlRate)} |`,
      '',
      `**Ratio: ${ratio.toFixed(2)}** of psql (aim ≥ 0.8). Tables: ${tables.map((t) => formatQualifiedName(t.table)).join(', ')}.`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.stop();
  }
}
