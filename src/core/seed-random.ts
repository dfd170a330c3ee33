import { createHash } from 'node:crypto';

/**
 * Derives a 32-bit seed from the run seed and a label (check id, table name, ...), so every
 * part of a run is deterministic for one run seed and independent of the others (DESIGN §7).
 */
export function deriveSeed(runSeed: number, label: string): number {
  const digest = createHash('sha256').update(`${runSeed}:${label}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

/** A fresh run seed when the user gives none. */
export function randomRunSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
