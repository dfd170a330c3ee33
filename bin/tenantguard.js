#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so scenario files written in TypeScript
// load the same way and there is no build step between a clone and a run.
import { register } from 'tsx/esm/api';

// `ps` shows every user our command line: a --database-url password is masked in it at once.
const shown = process.argv.join(' ').replace(/(postgres(?:ql)?:\/\/[^:/@\s]+):[^@\s]*@/gi, '$1:***@');
if (shown !== process.argv.join(' ')) process.title = shown;

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
