import type { Command } from 'commander';
import { applyDefaults } from '../../scenario/defaults.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import type { Scenario } from '../../scenario/types.ts';
import { defaultScenarioPath, executePipeline, type PipelineOptions } from '../execute.ts';
import { printError } from '../output.ts';
import { addBackendOptions } from './run.ts';

/** Options of `tenantguard audit`. */
export interface AuditCommandOptions extends PipelineOptions {
  appRole?: string;
  tenantColumn?: string[];
  tenantTable?: string;
  contextSetting?: string;
}

/** The scenario to audit with: the file given, or for a live database an empty one (tenancy inferred). */
async function auditScenario(scenarioPath: string | undefined, options: AuditCommandOptions): Promise<Scenario> {
  const live = Boolean(options.databaseUrl) || options.backend === 'url';
  const scenario = scenarioPath || !live ? await loadScenario(scenarioPath ?? defaultScenarioPath) : applyDefaults({ name: 'live database', schema: [] }, null, process.cwd());
  const tenancy = { ...scenario.tenancy };
  if (options.appRole) tenancy.appRole = { name: options.appRole, password: null, login: 'set-role' };
  if (options.tenantColumn) tenancy.tenantColumns = options.tenantColumn;
  if (options.tenantTable) tenancy.tenantTable = options.tenantTable;
  if (options.contextSetting) tenancy.context = { setting: options.contextSetting };
  // A live audit only reads the given database: a scenario's disposable/scratch would only let the production rule refuse it.
  const database = live ? { ...scenario.database, disposable: false, scratch: false } : scenario.database;
  return { ...scenario, database, tenancy, audit: { ...scenario.audit, enabled: true }, gates: { failOn: options.failOn ?? scenario.gates.failOn } };
}

/** Registers `tenantguard audit [scenario]`. */
export function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description('audit policies and grants: of a scenario (on a throwaway database), or of an existing database, strictly read-only')
    .argument('[scenario]', 'scenario file; with --database-url only its tenancy and suppressions are used')
    .option('--database-url <url>', 'audit this existing database, read-only (or DATABASE_URL with --backend url)')
    .option('--app-role <name>', 'the application role (default: inferred from the grants)')
    .option('--tenant-column <name...>', 'tenant column name(s) (default: inferred)')
    .option('--tenant-table <schema.name>', 'the tenant registry table (default: inferred)')
    .option('--context-setting <name>', 'the setting that carries the tenant, e.g. app.tenant_id (default: inferred from the policies)');
  addBackendOptions(command).action(async (scenarioPath: string | undefined, options: AuditCommandOptions) => {
    try {
      process.exitCode = await executePipeline('audit', await auditScenario(scenarioPath, options), options);
    } catch (error) {
      process.exitCode = printError(error);
    }
  });
}
