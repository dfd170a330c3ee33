import { Faker, base, en } from '@faker-js/faker';
import { deriveSeed } from '../core/seed-random.ts';

/**
 * Realistic words from faker, made once per run and then combined with canary tokens. Calling
 * faker per value costs microseconds; the seeder makes a million values a second, so it draws
 * small pools up front and picks from them with a cheap PRNG per table. Every pooled value is
 * cleaned of characters that would need escaping in COPY text or JSON (backslash, quotes,
 * tabs, newlines), so values go into COPY lines as they are.
 */

/** Pools of realistic values, by kind. */
export interface ValuePools {
  firstNames: string[];
  lastNames: string[];
  companies: string[];
  products: string[];
  words: string[];
  sentences: string[];
  cities: string[];
  countries: string[];
  streets: string[];
  jobTitles: string[];
  /** Lower-case, hyphenated words for slugs and array elements. */
  slugs: string[];
}

const POOL_SIZE = 256;

/** Makes the pools of a run; deterministic for the run seed (faker seeded per pool). */
export function makePools(runSeed: number): ValuePools {
  const faker = new Faker({ locale: [en, base] });
  const pool = (label: string, make: () => string): string[] => {
    faker.seed(deriveSeed(runSeed, `pool:${label}`));
    const values = new Set<string>();
    for (let i = 0; i < POOL_SIZE * 4 && values.size < POOL_SIZE; i++) {
      const value = clean(make());
      if (value.length > 0) values.add(value);
    }
    return [...values];
  };
  const words = pool('words', () => faker.word.noun());
  return {
    firstNames: pool('first', () => faker.person.firstName()),
    lastNames: pool('last', () => faker.person.lastName()),
    companies: pool('companies', () => faker.company.name()),
    products: pool('products', () => faker.commerce.productName()),
    words,
    sentences: pool('sentences', () => faker.lorem.sentence({ min: 3, max: 8 })),
    cities: pool('cities', () => faker.location.city()),
    countries: pool('countries', () => faker.location.country()),
    streets: pool('streets', () => faker.location.streetAddress()),
    jobTitles: pool('jobs', () => faker.person.jobTitle()),
    slugs: [...new Set(words.map(slugify).filter((s) => s.length > 0))],
  };
}

/** Drops characters COPY text or JSON would need escaped, and squeezes spaces. */
export function clean(value: string): string {
  return value.replace(/[\\"\t\n\r\x00-\x1f]/g, '').replace(/\s+/g, ' ').trim();
}

/** `Acme Corp & Sons` → `acme-corp-sons`. */
export function slugify(value: string): string {
  return value
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A small, fast PRNG (mulberry32) for picking from pools: deterministic per seed, ~10x faster
 * than faker's Mersenne Twister, which matters at a million values a second.
 */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random element of a non-empty array. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
