import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helpers/cli.ts';

// No Docker engine runs here, so the compose file is checked for what the url backend relies on.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'));
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('defines a current-major Postgres with a healthcheck, published on loopback only', () => {
    const service = compose.services.postgres;
    expect(service.image).toMatch(/^postgres:18/);
    expect(service.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(service.ports).toEqual(['127.0.0.1:55432:5432']);
  });

  it('matches the connection string the README gives for the url backend', () => {
    const password = compose.services.postgres.environment.POSTGRES_PASSWORD;
    expect(readme).toContain(`postgres://postgres:${password}@127.0.0.1:55432/postgres --scratch`);
  });
});
