import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { createTokenService } from './tokens.ts';

const tenant = '00000000-0000-4000-8000-00000000000a';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('token verification and its cache', () => {
  it('a verified token stops being accepted when it expires', async () => {
    const tokens = createTokenService('secret', undefined);
    const token = await tokens.mint(tenant, 'alice', { expiresInSeconds: 1 });
    expect(await tokens.verify(token)).toEqual({ tenant, user: 'alice' });
    // Served from the cache now…
    expect(await tokens.verify(token)).toEqual({ tenant, user: 'alice' });
    // …but not past its expiry (exp has whole-second resolution).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await refusal(tokens.verify(token))).toBe('expired-token');
  }, 10_000);

  it('only a byte-for-byte copy of a verified token hits the cache', async () => {
    const tokens = createTokenService('secret', undefined);
    const token = await tokens.mint(tenant, 'alice');
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(await refusal(tokens.verify(`${header}.${payload}.${flipped}`))).toBe('invalid-token');
    expect(await refusal(tokens.verify(await tokens.mint(tenant, 'alice', { secret: 'other' })))).toBe('invalid-token');
    // Another server (another secret) never shares the cache.
    expect(await refusal(createTokenService('other', undefined).verify(token))).toBe('invalid-token');
  });
});
