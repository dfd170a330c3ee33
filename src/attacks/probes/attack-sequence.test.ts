import { describe, expect, it } from 'vitest';
import { attackWith, expectReferenceClean, flawAttackEnv } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './attack-sequence.ts';

const server = useTestServer();

describe('attack-sequence', () => {
  it('finds a row moved to another tenant by an update, then read there: the whole minimal sequence', async () => {
    const env = await flawAttackEnv(server(), 'write-without-tenant-check', 'broken');
    try {
      const result = await attackWith(env, probe, 1000);
      expect(result.verdict).toBe('fail');
      const finding = result.findings.find((f) => f.subject.table === 'invoices')!;
      expect(finding.message).toMatch(/step \d of \d \(read\), with the context naming tenant #\d, received \d row\(s\) carrying data of tenant #\d/);
      expect((finding.evidence?.['canaries'] as string[]).length).toBeGreaterThan(0);
      // Shrunk to: set the owner's context, move its invoice to the victim, set the victim's context, read.
      const statements = finding.evidence?.['statements'] as string[];
      expect(statements.length).toBeLessThanOrEqual(5);
      expect(statements.join('\n')).toMatch(/set_config[^\n]*\nUPDATE "public"\."invoices" SET "tenant_id"[^\n]*\nSELECT set_config[^\n]*\nSELECT \* FROM "public"\."invoices"/);
      expect(finding.reproduction).toMatch(/UPDATE "public"\."invoices"/);
    } finally {
      await env.close();
    }
  });

  it('finds an empty context that opens a table, and nothing once the checks pin the tenant', async () => {
    const broken = await flawAttackEnv(server(), 'policy-opens-without-context', 'broken');
    try {
      expect((await attackWith(broken, probe, 300)).findings.map((f) => f.subject.table)).toContain('files');
    } finally {
      await broken.close();
    }
    const fixed = await flawAttackEnv(server(), 'write-without-tenant-check', 'fixed');
    try {
      expect((await attackWith(fixed, probe, 500)).findings).toEqual([]);
    } finally {
      await fixed.close();
    }
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
