import type { HttpProbe } from './http-probe.ts';
import { httpConcurrentModel } from './probes/http-concurrent-model.ts';
import { httpContextFailure } from './probes/http-context-failure.ts';
import { httpIdor } from './probes/http-idor.ts';
import { httpPoolReuse } from './probes/http-pool-reuse.ts';
import { httpTenantOverride } from './probes/http-tenant-override.ts';
import { httpTokenTampering } from './probes/http-token-tampering.ts';

/** Every HTTP attack, a registry apart from the SQL probes (they need a running app, not a database session). */
export const httpProbes: readonly HttpProbe<any>[] = [httpIdor, httpTokenTampering, httpTenantOverride, httpPoolReuse, httpContextFailure, httpConcurrentModel];
