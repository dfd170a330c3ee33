#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so scenario files written in TypeScript
// load the same way and there is no build step between a clone and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
