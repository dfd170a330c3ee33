import { it } from 'vitest';
import * as fc from 'fast-check';
import { flawAttackEnv, referenceAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import type { Probe } from '../probe.ts';

const server = useTestServer();
const which = process.env['DBG_PROBE']!;
const fixture = process.env['DBG_FIXTURE'] ?? 'reference';

it('debug', async () => {
  const probe = (await import(`./${which}.ts`)).default as Probe;
  const env = fixture === 'reference' ? await referenceAttackEnv(server()) : await flawAttackEnv(server(), fixture.split(':')[0]!, fixture.split(':')[1] as 'broken');
  try {
    const arb = probe.arbitrary(env)!;
    const cases = fc.sample(arb, { numRuns: Number(process.env['DBG_N'] ?? 200), seed: 3 });
    const tally = new Map<string, number>();
    for (const c of cases) {
      const run = await probe.execute(c, env);
      for (const [i, o] of run.outcomes.entries()) {
        const k = `${(c as any).table?.name ?? ''} ${run.attempts[i]!.context} ${run.attempts[i]!.statements.join(';').slice(0, Number(process.env['DBG_W'] ?? 90))} => ${o.error ? o.error.code + ' ' + o.error.message.slice(0, 70) : 'ok ' + (o.results[0]?.rowCount ?? '')}${run.leak ? ' LEAK ' + run.leak.what : ''}`;
        tally.set(k, (tally.get(k) ?? 0) + 1);
      }
    }
    console.log([...tally.entries()].sort().map(([k, v]) => `${v}\t${k}`).join('\n'));
  } finally {
    await env.close();
  }
}, 120000);
