import { execFileSync } from 'node:child_process';

/** Lines of `ps` whose command line mentions `text` (a temp dir or marker only one test uses). */
export function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text));
}
