import type { CatalogSnapshot } from '../catalog/snapshot.ts';
import { CanaryCodec } from '../core/canary.ts';
import { HarnessError } from '../core/errors.ts';
import type { SeedManifest } from '../core/manifest.ts';
import type { Tenancy } from '../core/tenancy.ts';
import { openAppSessions } from '../db/app-session.ts';
import type { AttackEnv } from './probe.ts';
import { enumerateSurface } from './surface.ts';

/** An attack environment that must be closed (it holds the app's connection pools). */
export interface OpenAttackEnv extends AttackEnv {
  close(): Promise<void>;
}

/** Opens sessions acting as the app and enumerates what it can reach. */
export async function openAttackEnv(adminUrl: string, snapshot: CatalogSnapshot, tenancy: Tenancy, manifest: SeedManifest, connections = 4): Promise<OpenAttackEnv> {
  if (manifest.tenants.length < 2) {
    throw new HarnessError('usage', 'cross-tenant attacks need at least two seeded tenants', { hint: 'Set seed.tenants to 2 or more.' });
  }
  const sessions = await openAppSessions({ adminUrl, tenancy, connections });
  const contextFor = (index: number): string => {
    const tenant = manifest.tenants[index]!;
    if (tenancy.subject.kind === 'user') {
      const user = tenant.users?.[0];
      if (!user) throw new HarnessError('seed-failed', `tenant #${index} has no member user to act as`);
      return user;
    }
    return tenant.id;
  };
  return {
    snapshot,
    tenancy,
    manifest,
    codec: new CanaryCodec(manifest.runSeed, manifest.tenants.length),
    surface: enumerateSurface(snapshot, tenancy, manifest),
    sessions,
    contextFor,
    close: () => sessions.close(),
  };
}
