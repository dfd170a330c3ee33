import { execFileSync } from 'node:child_process';

/** Lines of `ps` whose command line mentions `text` (a temp dir or marker only one test uses). */
export function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text));
}

/**
 * Processes running `script` that belong to `parent` or were orphaned (re-parented to init):
 * other test files may run the same script at the same time under their own parents.
 */
export function childrenRunning(script: string, parent: number): string[] {
  return execFileSync('ps', ['-eo', 'pid,ppid,args'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => args.join(' ').includes(script) && (Number(ppid) === parent || Number(ppid) === 1))
    .map((parts) => parts.join(' '));
}
