import type { Command } from 'commander';
import { httpProbes } from '../../attacks/http/registry.ts';
import { noThrottlingMeta } from '../../attacks/http/throttling.ts';
import { attackProbes } from '../../attacks/registry.ts';
import { auditRules } from '../../audit/registry.ts';

/** Registers `tenantguard checks`: every check with id, severity and title. */
export function registerChecks(program: Command): void {
  program
    .command('checks')
    .description('list every check with its id, severity and title')
    .option('--json', 'as JSON')
    .action((options: { json?: boolean }) => {
      const checks = [...auditRules, ...attackProbes, ...httpProbes].map((r) => ({ id: r.meta.id, kind: r.meta.kind, severity: r.meta.severity, title: r.meta.title }));
      // The self-test's flood check (tenantguard selftest only).
      checks.push({ id: noThrottlingMeta.id, kind: noThrottlingMeta.kind, severity: noThrottlingMeta.severity, title: `${noThrottlingMeta.title} (selftest only)` });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        return;
      }
      const width = Math.max(...checks.map((c) => c.id.length));
      for (const c of checks) process.stdout.write(`${c.id.padEnd(width)}  ${c.kind.padEnd(6)}  ${c.severity.padEnd(8)}  ${c.title}\n`);
      process.stdout.write(`\n${checks.length} checks (${auditRules.length} audit rules, ${attackProbes.length} SQL attacks, ${httpProbes.length + 1} HTTP attacks); docs/checks/<id>.md explains each audit rule.\n`);
    });
}
