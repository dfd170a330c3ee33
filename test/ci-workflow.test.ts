import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject } from 'ajv';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { buildProgram } from '../src/cli/main.ts';

// docs/examples/github-actions.yml is the workflow docs/ci.md tells people to copy. It must be
// a valid workflow (SchemaStore's github-workflow schema, vendored), every tenantguard command
// in it and in the doc must parse with the real CLI, its publishing steps must survive a
// failing gate, and the copy in the doc must be the file.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const workflowText = read('docs/examples/github-actions.yml');
const doc = read('docs/ci.md');

type Step = { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> };
type Job = { permissions?: Record<string, string>; services?: Record<string, { image: string; options?: string }>; steps: Step[] };
type Workflow = { jobs: Record<string, Job> };

const parsed = parseDocument(workflowText);
const workflow = parsed.toJS() as Workflow;

// draft-07, as its $schema says; strict off because SchemaStore schemas use annotations ajv does not know.
const workflowSchema = JSON.parse(read('test/fixtures/schemas/github-workflow.json')) as AnySchemaObject;
const validateWorkflow = new Ajv({ strict: false, allErrors: true }).compile(workflowSchema);

/** Shell words of a script, line continuations joined, comments dropped; operators are words of their own. */
function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  for (const line of script.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    let words: string[] = [];
    let word: string | null = null;
    let quote: string | null = null;
    const end = () => {
      if (word !== null) words.push(word);
      word = null;
    };
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) quote = null;
        else word += c === '\\' && quote === '"' ? line[++i]! : c;
      } else if (c === '"' || c === "'") {
        quote = c;
        word ??= '';
      } else if (/\s/.test(c)) end();
      else if (c === '#' && word === null) break;
      else if ('|&;<>'.includes(c)) {
        end();
        commands.push(words);
        words = [];
        while ('|&;<>'.includes(line[i + 1] ?? 'x')) i++;
      } else word = (word ?? '') + c;
    }
    end();
    commands.push(words);
  }
  return commands.filter((words) => words.length > 0);
}

/** The arguments of every `tenantguard` / `npx tenantguard` command in a script. */
function tenantguardCalls(script: string): string[][] {
  return shellCommands(script).flatMap((words) => {
    const at = words[0] === 'npx' ? 1 : 0;
    return words[at] === 'tenantguard' ? [words.slice(at + 1)] : [];
  });
}

/** Parses `args` with the real program, every action replaced by a no-op: null when the CLI accepts them, else its error. */
async function cliError(args: string[]): Promise<string | null> {
  const program = buildProgram();
  const output = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
  let ran: string | undefined;
  program.configureOutput(output);
  for (const command of program.commands) {
    command.configureOutput(output).exitOverride();
    command.action(() => {
      ran = command.name();
    });
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.message;
    throw error;
  }
  return ran === args[0] ? null : `no command ran for "${args[0]}"`;
}

/** The value of `--name value` or `--name=value` in argv. */
function flagValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const jobs = Object.entries(workflow.jobs);
const callsOf = (job: Job) => job.steps.flatMap((step) => (step.run ? tenantguardCalls(step.run) : []));
const docShellBlocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/examples/github-actions.yml', () => {
  it('is clean YAML and a valid GitHub workflow', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    expect(validateWorkflow(workflow), JSON.stringify(validateWorkflow.errors, null, 1)).toBe(true);
  });

  it('would fail the schema if it were broken (the validator is live)', () => {
    const noRunner = structuredClone(workflow) as unknown as { jobs: Record<string, Record<string, unknown>> };
    delete noRunner.jobs['embedded']!['runs-on'];
    expect(validateWorkflow(noRunner)).toBe(false);
    const typo = structuredClone(workflow) as unknown as { jobs: Record<string, { steps: Record<string, unknown>[] }> };
    typo.jobs['postgres']!.steps[0]!['wiht'] = { x: 1 };
    expect(validateWorkflow(typo)).toBe(false);
  });

  it('has the embedded job and a Postgres service job on the url backend', () => {
    const embedded = jobs.filter(([, job]) => !job.services);
    const service = jobs.filter(([, job]) => job.services?.['postgres']);
    expect(embedded.length).toBeGreaterThan(0);
    expect(service.length).toBeGreaterThan(0);
    for (const [, job] of embedded) {
      for (const args of callsOf(job)) expect(args.some((a) => a.startsWith('--database-url') || a === '--backend')).toBe(false);
    }
    for (const [, job] of service) {
      expect(job.services!['postgres']!.image).toMatch(/^postgres:16/);
      expect(job.services!['postgres']!.options).toContain('--health-cmd');
      const [args] = callsOf(job);
      expect(flagValue(args!, '--backend') === 'url' || args!.some((a) => a.startsWith('--database-url'))).toBe(true);
      expect(args!.includes('--disposable') || args!.includes('--scratch')).toBe(true);
    }
  });

  it('runs every publishing step after tenantguard even when the gate fails', () => {
    for (const [name, job] of jobs) {
      const gate = job.steps.findIndex((step) => step.run && tenantguardCalls(step.run).length > 0);
      expect(gate, `job ${name} runs tenantguard`).toBeGreaterThanOrEqual(0);
      for (const step of job.steps.slice(gate + 1)) expect(step.if ?? '', `${name}: ${step.name ?? step.uses}`).toMatch(/!cancelled\(\)|always\(\)/);
    }
  });

  it('grants each action the permission it needs, and caches npm', () => {
    const needs: Record<string, string> = {
      'github/codeql-action/upload-sarif': 'security-events',
      'marocchino/sticky-pull-request-comment': 'pull-requests',
      'mikepenz/action-junit-report': 'checks',
    };
    for (const [name, job] of jobs) {
      for (const step of job.steps) {
        const permission = Object.entries(needs).find(([action]) => step.uses?.startsWith(`${action}@`))?.[1];
        if (permission) expect(job.permissions?.[permission], `${name}: ${step.uses}`).toBe('write');
        if (step.uses?.startsWith('actions/setup-node@')) expect(step.with?.['cache']).toBe('npm');
      }
    }
  });

  it('publishes only report files tenantguard was asked to write, from its --out folder', () => {
    const formatOf: Record<string, string> = { json: 'json', md: 'markdown', html: 'html', 'junit.xml': 'junit', sarif: 'sarif' };
    for (const [name, job] of jobs) {
      const [args] = callsOf(job).filter((a) => a[0] === 'run');
      const out = flagValue(args!, '--out')!;
      const formats = flagValue(args!, '--format')!.split(',');
      expect(out, `${name} sets --out`).toBeTruthy();
      const mentioned = [...JSON.stringify(job.steps).matchAll(/report\.(junit\.xml|json|md|html|sarif)/g)].map((m) => m[1]!);
      expect(mentioned.length).toBeGreaterThan(0);
      for (const file of mentioned) expect(formats, `${name} reads report.${file}`).toContain(formatOf[file]);
      for (const step of job.steps) {
        for (const value of Object.values(step.with ?? {})) if (typeof value === 'string' && /report\./.test(value)) expect(value.startsWith(`${out}/`)).toBe(true);
      }
    }
  });

  it('keeps credentials off command lines and out of the log', () => {
    for (const [, job] of jobs) {
      for (const args of callsOf(job)) expect(args.filter((a) => /:\/\/[^/@\s]*:[^@\s]*@/.test(a))).toEqual([]);
      for (const step of job.steps) {
        expect(step.run ?? '').not.toMatch(/set -x|echo[^\n]*DATABASE_URL|printenv/);
      }
    }
  });

  it('refuses what the CLI does not have (the command check below is live)', async () => {
    expect(await cliError(['run', '--no-load'])).toBeNull();
    expect(await cliError(['frobnicate'])).toMatch(/unknown command/);
    expect(await cliError(['run', '--no-such-flag'])).toMatch(/unknown option/);
    expect(await cliError(['run', '--fail-on', 'severe'])).toMatch(/Allowed choices/);
    expect(tenantguardCalls('npx tenantguard run a.ts \\\n  --out "x y" # note\ncat x | tenantguard render r.json')).toEqual([
      ['run', 'a.ts', '--out', 'x y'],
      ['render', 'r.json'],
    ]);
  });

  it('calls tenantguard only with commands and flags the CLI has (workflow and docs/ci.md)', async () => {
    const calls = [...jobs.flatMap(([, job]) => callsOf(job)), ...docShellBlocks.flatMap(tenantguardCalls)];
    expect(calls.map((args) => args[0])).toEqual(expect.arrayContaining(['run', 'baseline', 'render']));
    const refused: string[] = [];
    for (const args of calls) {
      const error = await cliError(args);
      if (error) refused.push(`tenantguard ${args.join(' ')}\n  → ${error}`);
    }
    expect(refused, refused.join('\n')).toEqual([]);
  });
});

describe('docs/ci.md', () => {
  it('shows the example workflow verbatim', () => {
    const embedded = /<!-- docs\/examples\/github-actions\.yml -->\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(embedded).toBe(workflowText);
  });

  it('documents every exit code', () => {
    for (const code of [0, 1, 2, 3, 4]) expect(doc).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
