import { readdirSync } from 'node:fs';
import { it } from 'vitest';
import { flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import { runAttacks } from '../run-attacks.ts';
import type { Probe } from '../probe.ts';
import a from './write-update-delete.ts';
import b from './write-insert-foreign.ts';
import c from './write-move-row.ts';
import d from './write-upsert-merge.ts';
import e from './write-truncate.ts';
import f from './existence-oracle.ts';

const server = useTestServer();
it('sweep', async () => {
  const rules = readdirSync('fixtures/flaws').filter((r) => !r.endsWith('.sql'));
  const lines: string[] = [];
  for (const rule of rules) for (const variant of ['broken', 'fixed'] as const) {
    const env = await flawAttackEnv(server(), rule, variant);
    try {
      const t0 = performance.now();
      const results = await runAttacks(env, { probes: [a, b, c, d, e, f] as Probe[], runSeed: 9, runs: 200 });
      for (const r of results) {
        if (r.verdict === 'inconclusive') lines.push(`${rule}/${variant} ${r.meta.id} INCONCLUSIVE ${r.error}`);
        for (const x of r.findings) lines.push(`${rule}/${variant} ${r.meta.id} ${x.subject?.['table']} ${x.message.slice(0, 150)} canaries=${(x.evidence?.['canaries'] as string[]).length}`);
      }
      lines.push(`${rule}/${variant} done ${Math.round(performance.now() - t0)}ms runs=${results.map((r) => r.stats?.['runs']).join(',')}`);
    } finally {
      await env.close();
    }
  }
  console.log(lines.join('\n'));
}, 600000);
