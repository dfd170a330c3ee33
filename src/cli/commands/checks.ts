import type { Command } from 'commander';
import { attackProbes } from '../../attacks/registry.ts';
import { auditRules } from '../../audit/registry.ts';

/** Registers `tenantguard checks`: every check with id, severity and title. */
export function registerChecks(program: Command): void {
  program
    .command('checks')
    .description('list every check with its id, severity and title')
    .option('--json', 'as JSON')
    .action((options: { json?: boolean }) => {
      const checks = [...auditRules, ...attackProbes].map((r) => ({ id: r.meta.id, kind: r.meta.kind, severity: r.meta.severity, title: r.meta.title }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        return;
      }
      const width = Math.max(...checks.map((c) => c.id.length));
      for (const c of checks) process.stdout.write(`${c.id.padEnd(width)}  ${c.kind.padEnd(6)}  ${c.severity.padEnd(8)}  ${c.title}\n`);
      process.stdout.write(`\n${checks.length} checks (${auditRules.length} audit rules, ${attackProbes.length} attacks); docs/checks/<id>.md explains each audit rule.\n`);
    });
}
