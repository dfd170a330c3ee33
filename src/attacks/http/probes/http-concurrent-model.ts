import * as fc from 'fast-check';
import type { SqlClient } from '../../../core/sql.ts';
import { withClient } from '../../../db/connect.ts';
import { changedTenants, restoreState, snapshotState, type DbState } from '../db-state.ts';
import { sendBurst, type HttpExchange } from '../exchange.ts';
import { defineHttpProbe, readLeak, routeOfSpec, type HttpLeak, type HttpRun } from '../http-probe.ts';
import type { HttpTarget } from '../target.ts';
import { fieldOf } from '../template.ts';
import { actionArbitrary, describeAction, initialModel, planAction, type ModelAction, type PlannedAction, type TenancyModel } from './model-actions.ts';

/** The system under test as the commands see it, and what they found. */
interface Real {
  target: HttpTarget;
  /** The admin connection; null when the sequence has no write (nothing to snapshot). */
  client: SqlClient | null;
  /** The state after the last round that wrote (digests compared per round). */
  state: DbState;
  rounds: number;
  wrote: boolean;
  exchanges: HttpExchange[];
  leak: HttpLeak | null;
}

/** Thrown by a round that found a leak: ends the model run (the leak is on `Real`). */
class LeakFound extends Error {}

const writeKinds = new Set<ModelAction['kind']>(['create', 'create-duplicate', 'update-own', 'update-foreign', 'delete-own', 'delete-foreign']);
const emptyState = (): DbState => ({ tables: new Map(), rows: new Map(), tenants: new Map() });

const ok = (status: number) => status >= 200 && status < 300;

function leakOf(round: number, at: PlannedAction, exchange: HttpExchange, what: string, victim: number | null): HttpLeak {
  return { attacker: at.action.tenant, victim, route: routeOfSpec(at.spec), what: `round ${round}: ${what}`, canaries: [], excerpt: `${exchange.status} ${exchange.body.slice(0, 160)}` };
}

/** One round: several tenants act at once; the round is judged, then the model learns what it saw. */
class Round implements fc.AsyncCommand<TenancyModel, Real> {
  constructor(readonly actions: readonly ModelAction[], private readonly target: HttpTarget) {}
  check(): boolean {
    return true;
  }
  async run(model: TenancyModel, real: Real): Promise<void> {
    const { target } = real;
    const round = ++real.rounds;
    // Planned one after another (markers are counted in order, so a replay sends the same bodies), sent at once.
    const planned: PlannedAction[] = [];
    for (const action of this.actions) {
      const p = await planAction(target, model, action);
      if (p) planned.push(p);
    }
    if (planned.length === 0) return;
    // Set before anything is judged: a run that ends on this round must still restore its writes.
    if (planned.some((p) => p.write)) real.wrote = true;
    const exchanges = await sendBurst(target.url, planned.map((p) => p.spec), round);
    real.exchanges.push(...exchanges);
    const read = readLeak(target, exchanges);
    if (read) throw this.found(real, { ...read, what: `round ${round}: ${read.what}` });
    // A foreign row answered 2xx: the app read, changed or deleted it for a tenant that does not own it.
    planned.forEach((p, i) => {
      if (p.action.kind.endsWith('-foreign') && ok(exchanges[i]!.status)) {
        const owner = model.owners[p.resource!]!.get(p.id!) ?? null;
        throw this.found(real, leakOf(round, p, exchanges[i]!, `${routeOfSpec(p.spec)} answered ${exchanges[i]!.status} to tenant #${p.action.tenant} for a row of tenant #${owner}`, owner));
      }
    });
    if (planned.some((p) => p.write)) {
      const now = await snapshotState(real.client!, target.state);
      // Tenants without a successful write of their own this round must be unchanged.
      const writers = new Set(planned.filter((p, i) => p.write && ok(exchanges[i]!.status)).map((p) => target.tenants[p.action.tenant]!.id));
      const changed = [...changedTenants(real.state, now)].filter(([tenant]) => !writers.has(tenant));
      real.state = now;
      if (changed.length > 0) {
        const [victimId, tables] = changed[0]!;
        const victim = target.tenants.find((t) => t.id === victimId)?.index ?? null;
        const i = Math.max(0, planned.findIndex((p, j) => p.write && ok(exchanges[j]!.status)));
        throw this.found(real, leakOf(round, planned[i]!, exchanges[i]!, `requests of tenants ${[...new Set(planned.filter((p) => p.write).map((p) => `#${p.action.tenant}`))].join(', ')} changed rows of tenant #${victim ?? victimId}, which wrote nothing itself, in ${tables.join(', ')} (restored)`, victim));
      }
    }
    planned.forEach((p, i) => {
      const status = exchanges[i]!.status;
      if (!ok(status) || p.resource === null) return;
      if (p.action.kind === 'create' || p.action.kind === 'create-duplicate') {
        const id = fieldOf(exchanges[i]!.body, target.api.resources[p.resource]!.createdIdField ?? 'id');
        if (id !== undefined) model.owners[p.resource]!.set(id, p.action.tenant);
      }
      if (p.action.kind === 'delete-own') model.owners[p.resource]!.delete(p.id!);
    });
  }
  private found(real: Real, leak: HttpLeak): LeakFound {
    real.leak = leak;
    return new LeakFound(leak.what);
  }
  toString(): string {
    return `round(${this.actions.map((a) => describeAction(this.target, a)).join('; ')})`;
  }
}

/**
 * Model-based runs: sequences of rounds in which several tenants act concurrently (list, get,
 * create with a fresh marker, update and delete, their own rows and others'), against a model
 * of who owns what. Evidence per round: another tenant's canary (seeded or a marker) in any
 * answer, a foreign row answering 2xx, or the rows of a tenant that wrote nothing changed.
 * The database is restored after every run, so shrinking and replay start from the seed.
 */
export const httpConcurrentModel = defineHttpProbe<Iterable<fc.AsyncCommand<TenancyModel, Real>>>({
  meta: {
    id: 'http-concurrent-model',
    title: 'Tenants acting concurrently, checked against a model of ownership',
    description: "Runs fast-check command sequences in which several tenants read, create, update and delete at once, their own rows and others' (sometimes naming another tenant in an override), and checks every answer and every tenant's rows against a model of who owns what.",
    severity: 'critical',
    remediation: 'Scope every request to the tenant of its verified credentials, inside its own transaction: under concurrency a tenant must only ever see and change its own rows.',
  },
  arbitrary: (target, replayHint) => {
    if (target.tenants.length < 2) return null;
    const round = fc.array(actionArbitrary(target), { minLength: 1, maxLength: Math.max(2, Math.min(4, target.poolSize * 2)) }).map((actions) => new Round(actions, target));
    return fc.commands([round], { maxCommands: 5, ...(replayHint ? { replayPath: replayHint } : {}) });
  },
  replayHint: (commands) => /replayPath="([^"]*)"/.exec(String(commands))?.[1],
  async execute(commands, target) {
    const run = async (client: SqlClient | null): Promise<HttpRun> => {
      const initial = client ? await snapshotState(client, target.state) : emptyState();
      const real: Real = { target, client, state: initial, rounds: 0, wrote: false, exchanges: [], leak: null };
      try {
        await fc.asyncModelRun(() => ({ model: initialModel(target), real }), commands);
      } catch (error) {
        if (!(error instanceof LeakFound)) throw error;
      } finally {
        if (client && real.wrote) await restoreState(client, target.state, initial, await snapshotState(client, target.state));
      }
      return { exchanges: real.exchanges, leak: real.leak };
    };
    // Only a sequence that may write needs the admin connection and the snapshots.
    // fast-check hands the rounds over wrapped (`cmd`); a round that cannot be read counts as writing.
    const writes = [...commands].some((c) => {
      const round = (c as { cmd?: unknown }).cmd ?? c;
      return !(round instanceof Round) || round.actions.some((a) => writeKinds.has(a.kind));
    });
    return writes ? withClient(target.adminUrl, run) : run(null);
  },
});
