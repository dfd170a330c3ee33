import { createHash } from 'node:crypto';

/**
 * Canaries: seeded values that name the tenant owning them (DESIGN §4). Ownership is encoded
 * in the value itself, so the oracle can scan anything an attacker receives (rows, errors,
 * notices, HTTP bodies) without a lookup table of millions of values, and a canary found
 * anywhere maps straight back to its tenant.
 *
 * - Text token: `tg` + tenant (3 base-36 digits) + counter (5 base-36 digits) + a check
 *   digit derived from the run tag, e.g. `tg00a0001fk`. Embedded in names, emails, slugs.
 * - UUID: `<runTag>-<tenant hex4>-4<c3>-8<c3>-<c12>`, a valid version-4 UUID whose first
 *   group is the run tag, so UUIDs from elsewhere never decode.
 */
export interface CanaryHit {
  canary: string;
  tenantIndex: number;
}

const TOKEN = /(?<![0-9a-z])tg([0-9a-z]{3})([0-9a-z]{5})([0-9a-z])(?![0-9a-z])/g;
const UUID = /([0-9a-f]{8})-([0-9a-f]{4})-4([0-9a-f]{3})-8([0-9a-f]{3})-([0-9a-f]{12})/gi;

/** Most tenants a run can encode in a text token (36^3). */
export const maxCanaryTenants = 36 ** 3;
/** Most canaries of one kind per tenant a run can encode (36^5). */
export const maxCanariesPerTenant = 36 ** 5;

/** Encodes and decodes the canaries of one run; pure and deterministic for a run tag. */
export class CanaryCodec {
  /** 8 lowercase hex digits, derived from the run seed. */
  readonly runTag: string;
  readonly tenantCount: number;

  constructor(runSeed: number, tenantCount: number) {
    if (tenantCount > maxCanaryTenants) {
      throw new RangeError(`at most ${maxCanaryTenants} tenants can carry canaries`);
    }
    this.runTag = createHash('sha256').update(`canary:${runSeed}`).digest('hex').slice(0, 8);
    this.tenantCount = tenantCount;
  }

  /** The text token for the `counter`-th canary of a tenant. */
  token(tenantIndex: number, counter: number): string {
    const t = tenantIndex.toString(36).padStart(3, '0');
    const c = counter.toString(36).padStart(5, '0');
    return `tg${t}${c}${this.check(t, c)}`;
  }

  /** The UUID for the `counter`-th UUID canary of a tenant. */
  uuid(tenantIndex: number, counter: number): string {
    const t = tenantIndex.toString(16).padStart(4, '0');
    const c = counter.toString(16).padStart(18, '0');
    return `${this.runTag}-${t}-4${c.slice(0, 3)}-8${c.slice(3, 6)}-${c.slice(6)}`;
  }

  /** The tenant that owns `value` when the whole value, or a token inside it, is a canary. */
  ownerOf(value: string): number | undefined {
    const hits = this.scan(value);
    return hits.length > 0 ? hits[0]!.tenantIndex : undefined;
  }

  /** Every canary of this run found in `text`, in order of appearance. */
  scan(text: string): CanaryHit[] {
    const hits: CanaryHit[] = [];
    for (const m of text.matchAll(TOKEN)) {
      if (this.check(m[1]!, m[2]!) !== m[3]) continue;
      const tenantIndex = parseInt(m[1]!, 36);
      if (tenantIndex < this.tenantCount) hits.push({ canary: m[0], tenantIndex });
    }
    for (const m of text.matchAll(UUID)) {
      if (m[1]!.toLowerCase() !== this.runTag) continue;
      const tenantIndex = parseInt(m[2]!, 16);
      if (tenantIndex < this.tenantCount) hits.push({ canary: m[0].toLowerCase(), tenantIndex });
    }
    return hits;
  }

  private check(tenant: string, counter: string): string {
    // A cheap keyed checksum: random text almost never passes it, and it differs per run.
    let h = 0;
    const s = this.runTag + tenant + counter;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return (h % 36).toString(36);
  }
}
