import { HarnessError } from '../../core/errors.ts';
import type { FairnessConfig, PlanLimits } from './config.ts';

/**
 * Validation of a {@link FairnessConfig}: every problem at once, each with its path
 * ("plans.free.burst: ..."), as scenario validation does (DESIGN §1). A config that passes
 * cannot make the gate divide by zero, admit nothing forever, or wait forever.
 */

type Problems = string[];

const isInt = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;

function requireInt(problems: Problems, path: string, v: unknown, min: number): void {
  if (!isInt(v, min)) problems.push(`${path}: must be an integer >= ${min} (got ${String(v)})`);
}

function requireNum(problems: Problems, path: string, v: unknown, min: number): void {
  if (!isNum(v, min)) problems.push(`${path}: must be a finite number >= ${min} (got ${String(v)})`);
}

function checkPlan(problems: Problems, path: string, p: PlanLimits): void {
  if (!(isNum(p.weight, 0) && p.weight > 0)) problems.push(`${path}.weight: must be a finite number > 0 (got ${String(p.weight)})`);
  requireInt(problems, `${path}.maxConcurrent`, p.maxConcurrent, 1);
  if (p.heavyBurst !== undefined && !(Number.isInteger(p.heavyBurst) && p.heavyBurst >= 1)) problems.push(`${path}.heavyBurst: must be an integer >= 1 (got ${String(p.heavyBurst)})`);
  if (p.heavyRatePerSecond !== undefined && p.heavyRatePerSecond !== null && !(isNum(p.heavyRatePerSecond, 0) && p.heavyRatePerSecond > 0)) {
    problems.push(`${path}.heavyRatePerSecond: must be a finite number > 0, or null for no separate limit (got ${String(p.heavyRatePerSecond)})`);
  }
  if (p.ratePerSecond !== null) {
    if (!(isNum(p.ratePerSecond, 0) && p.ratePerSecond > 0)) {
      problems.push(`${path}.ratePerSecond: must be a finite number > 0, or null for no rate limit (got ${String(p.ratePerSecond)})`);
    }
    requireInt(problems, `${path}.burst`, p.burst, 1);
  }
  requireInt(problems, `${path}.maxQueued`, p.maxQueued, 0);
  requireNum(problems, `${path}.maxQueueWaitMs`, p.maxQueueWaitMs, 0);
  if (p.statementTimeoutMs !== null) {
    // 0 would mean "no timeout" to PostgreSQL; say so with null instead, explicitly.
    requireInt(problems, `${path}.statementTimeoutMs`, p.statementTimeoutMs, 1);
  }
}

/**
 * Returns the problems with `config`, empty when it is valid.
 */
export function fairnessConfigProblems(config: FairnessConfig): string[] {
  const problems: Problems = [];
  requireInt(problems, 'globalConcurrency', config.globalConcurrency, 1);
  requireInt(problems, 'sharedConcurrency', config.sharedConcurrency, 1);
  if (config.heavyConcurrency !== undefined) requireInt(problems, 'heavyConcurrency', config.heavyConcurrency, 1);
  if (config.heavyDutyCycle !== undefined && !(Number.isFinite(config.heavyDutyCycle) && config.heavyDutyCycle > 0 && config.heavyDutyCycle <= 1)) {
    problems.push(`heavyDutyCycle: must be a number above 0 and at most 1 (got ${String(config.heavyDutyCycle)})`);
  }
  requireNum(problems, 'activeWindowMs', config.activeWindowMs, 0);
  requireInt(problems, 'maxGlobalQueued', config.maxGlobalQueued, 0);
  requireNum(problems, 'rejectionDelayMs', config.rejectionDelayMs, 0);
  if (config.rejectionJitter !== undefined && !(Number.isFinite(config.rejectionJitter) && config.rejectionJitter >= 0 && config.rejectionJitter < 1)) {
    problems.push(`rejectionJitter: must be a number from 0 up to (not including) 1 (got ${String(config.rejectionJitter)})`);
  }
  const plans = config.plans ?? {};
  const names = Object.keys(plans);
  if (names.length === 0) problems.push('plans: must configure at least one plan (e.g. free, pro, enterprise)');
  for (const name of names) {
    const p = plans[name];
    if (p === undefined || p === null || typeof p !== 'object') problems.push(`plans.${name}: must be an object of plan limits`);
    else checkPlan(problems, `plans.${name}`, p);
  }
  if (!Object.hasOwn(plans, config.fallbackPlan)) {
    problems.push(`fallbackPlan: "${String(config.fallbackPlan)}" is not a configured plan (have: ${names.join(', ') || 'none'})`);
  }
  return problems;
}

/**
 * Throws a `scenario-invalid` {@link HarnessError} listing every problem with `config`;
 * returns a frozen copy when it is valid, so later edits to the caller's object cannot
 * change a running gate.
 */
export function validateFairnessConfig(config: FairnessConfig): FairnessConfig {
  const problems = fairnessConfigProblems(config);
  if (problems.length > 0) {
    throw new HarnessError('scenario-invalid', `fairness config is invalid (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'})`, {
      problems,
      hint: 'start from defaultFairnessConfig(poolSize, cores) and change only what you need',
    });
  }
  const plans: Record<string, PlanLimits> = {};
  for (const [name, p] of Object.entries(config.plans)) plans[name] = Object.freeze({ ...p });
  return Object.freeze({ ...config, plans: Object.freeze(plans) });
}
