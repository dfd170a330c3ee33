import type { Finding } from '../../core/check.ts';
import { fingerprintOf } from '../../core/fingerprint.ts';
import { curlScript, sendRequest, type HttpRequestSpec } from './exchange.ts';
import type { HttpTarget } from './target.ts';

/** Options of {@link floodReports}: bounded, so a missing gate cannot run away. */
export interface FloodOptions {
  /** Requests in all (default 60: a few seconds with the gate's 1 s rejection delay). */
  requests?: number;
  /** Concurrent connections (default 20). */
  connections?: number;
  /** The heavy route (default `/reports/summary`). */
  path?: string;
  /** The flooding tenant (index; default 0): one on the cheapest plan, so a working gate is sure to push back. */
  tenant?: number;
}

/** How a flood went: how many requests were turned away (429/503) and all statuses. */
export interface FloodOutcome {
  tenant: number;
  requests: number;
  rejected: number;
  statuses: Record<number, number>;
  spec: HttpRequestSpec;
}

/** The index of the first tenant on the cheapest of the reference app's plans (smallest budgets). */
export function floodTenant(plans: readonly string[]): number {
  const order = ['free', 'pro', 'enterprise'];
  const rank = (plan: string) => (order.includes(plan) ? order.indexOf(plan) : order.length);
  return plans.map((plan, index) => ({ plan, index })).sort((a, b) => rank(a.plan) - rank(b.plan) || a.index - b.index)[0]?.index ?? 0;
}

/** One tenant floods the heavy report: `requests` requests over `connections` closed loops. */
export async function floodReports(target: HttpTarget, options: FloodOptions = {}): Promise<FloodOutcome> {
  const requests = options.requests ?? 60;
  const connections = options.connections ?? 20;
  const tenant = options.tenant ?? 0;
  const spec: HttpRequestSpec = { method: 'GET', path: options.path ?? '/reports/summary', auth: await target.credentials(tenant), tenant };
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests) {
        next++;
        const { status } = await sendRequest(target.url, spec);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return { tenant, requests, rejected: (statuses[429] ?? 0) + (statuses[503] ?? 0), statuses, spec };
}

/** Meta of the throttling check: a flaw detected by the absence of push-back, not by a leak. */
export const noThrottlingMeta = {
  id: 'http-no-throttling',
  kind: 'http',
  title: 'One tenant’s flood is never throttled',
  description: 'Floods the heavy report from one tenant (bounded: 60 requests on 20 connections) and compares with the secure app behind the default fairness gate, which turns some away with 429/503. No rejection at all means no admission control.',
  severity: 'medium',
  remediation: 'Admit requests through the per-tenant fairness gate (createFairnessGate) and set a statement timeout per plan.',
} as const;

/**
 * Judges a flood against the secure baseline: a finding when the baseline (secure app, default
 * gate) turned some requests away and this app turned none away. Null when throttled, or when
 * the baseline itself never throttled (nothing to compare: undecided, not a pass).
 */
export function judgeFlood(target: HttpTarget, flood: FloodOutcome, baseline: FloodOutcome): Finding | null {
  if (baseline.rejected === 0 || flood.rejected > 0) return null;
  const route = `${flood.spec.method} ${flood.spec.path}`;
  const subject = { route };
  return {
    checkId: noThrottlingMeta.id,
    severity: noThrottlingMeta.severity,
    message: `${route}: ${flood.requests} requests of tenant #${flood.tenant} on 20 connections got no 429/503 at all, where the secure app with the default fairness gate turned ${baseline.rejected} away: no admission control.`,
    subject,
    fingerprint: fingerprintOf(noThrottlingMeta.id, subject),
    evidence: { statuses: flood.statuses, baselineStatuses: baseline.statuses, tenant: target.tenants[flood.tenant]?.id },
    reproduction: `# ${flood.requests} times, 20 at a time (e.g. with xargs -P 20):\n${curlScript(target.url, [{ request: flood.spec, status: 200, headers: '', body: '' }], target.liveCredential)}`,
  };
}
