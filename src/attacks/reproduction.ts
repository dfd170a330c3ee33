import type { Attempt } from '../db/app-session.ts';
import type { AttackEnv, Leak } from './probe.ts';

/** How to replay a finding: the run seed re-seeds the same data, shard and path pick the case. */
export interface ReplayRef {
  probe: string;
  runSeed: number;
  shard: number;
  path: string;
}

/** `tenantguard replay <probe> --seed S --shard K --path P` */
export function replayCommand(ref: ReplayRef, scenarioFile: string | null, extraArgs = ''): string {
  return `tenantguard replay ${ref.probe}${scenarioFile ? ` ${scenarioFile}` : ''} --seed ${ref.runSeed} --shard ${ref.shard} --path ${ref.path}${extraArgs ? ` ${extraArgs}` : ''}`;
}

/**
 * A reproduction a reviewer pastes into psql, connected as the application role (or, for an
 * application that switches roles, as its login role): it sets up nothing beyond the seeded
 * data, acts exactly as the attack did, and rolls back. Verification statements the harness
 * ran as the admin are left out: the script shows what the application itself can see or do.
 */
export function reproductionScript(env: AttackEnv, attempts: readonly Attempt[], leak: Leak, ref: ReplayRef): string {
  const app = env.tenancy.appRole.name;
  const lines = [
    `-- tenantguard reproduction: ${ref.probe} (run seed ${ref.runSeed}, shard ${ref.shard}, path ${ref.path})`,
    `-- ${leak.what}`,
    env.sessions.directLogin
      ? `-- Run with psql connected as the application role ${app}, on the seeded database.`
      : `-- Run with psql connected as a role that may SET ROLE ${app} (the application's login), on the seeded database.`,
    '\\set ON_ERROR_STOP off',
    '\\set VERBOSITY verbose',
  ];
  const verifies = attempts.some((a) => a.verify !== undefined);
  if (verifies) {
    lines.splice(2, 1, `-- Run with psql connected as a superuser: it switches to the application role ${app} for the attack, and back to show its effect on the other tenant's rows. Everything is rolled back.`);
  }
  for (const attempt of attempts) {
    lines.push('BEGIN;');
    if (attempt.verify) {
      lines.push(`\\echo 'tenantguard: the other tenant''s rows before the attack'`);
      for (const statement of attempt.verify) lines.push(`${statement};`);
    }
    if (!env.sessions.directLogin || verifies) lines.push(`${env.sessions.roleSql};`);
    if (attempt.context !== null) lines.push(`${env.sessions.contextSql(attempt.context)};`);
    for (const statement of attempt.statements) lines.push(`${statement};`);
    if (attempt.verify) {
      lines.push(`-- the effect, seen as the superuser in the same transaction:`, 'RESET ROLE;', `\\echo 'tenantguard: the other tenant''s rows after the attack'`);
      for (const statement of attempt.verify) lines.push(`${statement};`);
    }
    lines.push('ROLLBACK;');
  }
  lines.push(`-- Expected: output carrying data of tenant #${leak.victim} (${env.manifest.tenants[leak.victim]?.id ?? '?'}), e.g. ${leak.canaries.slice(0, 3).join(', ') || leak.excerpt}`);
  return `${lines.join('\n')}\n`;
}
