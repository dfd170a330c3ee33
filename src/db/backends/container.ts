import { HarnessError, messageOf } from '../../core/errors.ts';
import { connectClient, readServerVersion } from '../connect.ts';
import type { DatabaseBackend, StartedDatabase, StartOptions } from '../database.ts';

/** Options of the container backend. */
export interface ContainerOptions {
  /** Postgres image (default `postgres:18-alpine`). */
  image?: string;
  /** Milliseconds to wait for a container runtime to answer (default 10 s). */
  runtimeTimeoutMs?: number;
}

const alternatives =
  'Use the default embedded backend (`--backend embedded`, no Docker needed), or an existing server with `--backend url --database-url postgres://...`.';

/** Fails fast, naming the other backends, when no container runtime answers. */
async function requireRuntime(timeoutMs: number): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([getContainerRuntimeClient(), timeout]);
  } catch (error) {
    throw new HarnessError('backend-unavailable', `the container backend needs a Docker engine, and none answers: ${messageOf(error)}`, {
      hint: alternatives,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Postgres in a throwaway container via testcontainers, for machines with Docker. */
export function containerBackend(options: ContainerOptions = {}): DatabaseBackend {
  return {
    name: 'container',
    async start(startOptions: StartOptions = {}): Promise<StartedDatabase> {
      const began = performance.now();
      await requireRuntime(options.runtimeTimeoutMs ?? 10_000);
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const image = options.image ?? 'postgres:18-alpine';
      startOptions.onEvent?.({ type: 'info', message: `starting container ${image}` });
      let container;
      try {
        container = await new PostgreSqlContainer(image)
          .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
          .start();
      } catch (error) {
        throw new HarnessError('backend-failed', `the Postgres container (${image}) did not start: ${messageOf(error)}`, { hint: alternatives });
      }
      const adminUrl = container.getConnectionUri();
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= container.stop().then(() => undefined));
      startOptions.signal?.addEventListener('abort', () => void stop(), { once: true });
      let version;
      try {
        const client = await connectClient(adminUrl);
        version = await readServerVersion(client).finally(() => client.end());
      } catch (error) {
        await stop();
        throw error;
      }
      return {
        backend: 'container',
        adminUrl,
        summary: {
          backend: 'container',
          host: container.getHost(),
          port: container.getPort(),
          database: container.getDatabase(),
          serverVersion: version.version,
          writable: true,
        },
        serverVersionNum: version.num,
        startMs: Math.round(performance.now() - began),
        stop,
        [Symbol.asyncDispose]: stop,
      };
    },
  };
}
