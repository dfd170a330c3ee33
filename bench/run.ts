/**
 * `npm run bench`: measures speed as ratios against baselines in one run, and writes
 * reports/bench.md. Timings live here, never in tests (DESIGN §8.8).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchApp } from './app.ts';
import { benchAttacks } from './attacks.ts';
import { benchAudit } from './audit.ts';
import { benchColdStart } from './cold-start.ts';
import { benchLoad } from './load.ts';
import { benchSeeding } from './seeding.ts';
import { packageRoot } from '../src/pipeline/tool-info.ts';

const sections: string[] = [];
const log = (text: string) => process.stderr.write(`${text}\n`);

log('bench: embedded cold start…');
sections.push(await benchColdStart(log));
log('bench: audit of the reference…');
sections.push(await benchAudit(log));
log('bench: attacks vs pgbench…');
sections.push(await benchAttacks(log));
log('bench: reference API vs a minimal server…');
sections.push(await benchApp(log));
log('bench: noisy neighbour (load experiment) and the load generator’s ceiling…');
sections.push(await benchLoad(log));
log('bench: seeding vs psql COPY…');
sections.push(await benchSeeding(log));

const header = [
  '# tenantguard benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString()} — Node ${process.version}, ${process.platform}/${process.arch}.`,
  'Every ratio compares against a baseline measured in the same run on the same machine.',
  '',
].join('\n');
const out = join(packageRoot, 'reports', 'bench.md');
mkdirSync(join(packageRoot, 'reports'), { recursive: true });
writeFileSync(out, `${header}\n${sections.join('\n\n')}\n`);
log(`bench: wrote ${out}`);
