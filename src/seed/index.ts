/**
 * The seeding room (DESIGN §2): catalog-driven multi-tenant seeding with canaries, the
 * manifest of a user-seeded database, and a check of a manifest against the data.
 */
export { seedTenants, type SeedOptions } from './seed-tenants.ts';
export { manifestFromDatabase } from './manifest-from-database.ts';
export { verifySeed } from './verify-seed.ts';
export { classifyTables, type Classification, type TableNode } from './classify.ts';
