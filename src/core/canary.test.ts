import { describe, expect, it } from 'vitest';
import { CanaryCodec } from './canary.ts';

describe('CanaryCodec', () => {
  const codec = new CanaryCodec(42, 500);

  it('encodes the owning tenant in text tokens and UUIDs, and scans them back out of any text', () => {
    const token = codec.token(7, 123);
    const uuid = codec.uuid(499, 2 ** 40 + 5);
    expect(token).toMatch(/^tg[0-9a-z]{9}$/);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    const leaked = `ERROR: duplicate key (email)=(jane.${token}@example.test) DETAIL: ${uuid.toUpperCase()}`;
    expect(codec.scan(leaked)).toEqual([
      { canary: token, tenantIndex: 7 },
      { canary: uuid, tenantIndex: 499 },
    ]);
    expect(codec.ownerOf(`Acme ${token}`)).toBe(7);
  });

  it('is unique per tenant and counter', () => {
    const seen = new Set<string>();
    for (let t = 0; t < 50; t++) for (let c = 0; c < 200; c++) seen.add(codec.token(t, c)).add(codec.uuid(t, c));
    expect(seen.size).toBe(50 * 200 * 2);
  });

  it('ignores look-alikes: other runs, bad check digits, tenants out of range, embedded in words', () => {
    const other = new CanaryCodec(43, 500);
    const token = codec.token(3, 9);
    expect(codec.scan(other.token(3, 9) + ' ' + other.uuid(3, 9))).toEqual([]);
    const wrongCheck = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    expect(codec.scan(wrongCheck)).toEqual([]);
    expect(codec.scan(`x${token}`)).toEqual([]);
    expect(new CanaryCodec(42, 3).scan(token)).toEqual([]);
    expect(codec.scan('outgoing settings tg 00000000-0000-4000-8000-000000000000')).toEqual([]);
  });
});
