import { describe, expect, it } from 'vitest';
import { ruleFindings } from '../../../test/helpers/audit.ts';
import { useTestServer } from '../../../test/helpers/database.ts';

const server = useTestServer();

describe('foreign-key-without-tenant', () => {
  it('broken: flags a key by id alone and a key that pairs the tenant with the wrong column, on a table the app writes', async () => {
    const findings = await ruleFindings(server(), 'foreign-key-without-tenant', 'broken');
    expect(findings.map((f) => [f.subject.table, f.evidence?.['constraint'], f.severity, f.evidence?.['commands']])).toEqual([
      ['tasks', 'tasks_assignee_fk', 'medium', ['INSERT', 'UPDATE']],
      ['tasks', 'tasks_project_fk', 'medium', ['INSERT', 'UPDATE']],
    ]);
    // Not findings: milestones' composite key, references to the registry and to countries,
    // and project_archive, which the application cannot write.
    expect(findings.map((f) => f.subject.table)).not.toContain('milestones');
    expect(findings.map((f) => f.subject.table)).not.toContain('project_archive');
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
    const [assignee, project] = findings;
    expect(project!.message).toMatch(/^foreign key tasks_project_fk on public\.tasks \(project_id\) → public\.projects \(id\) does not pair tenant_id with public\.projects\.tenant_id/);
    expect(project!.message).toContain("With ON DELETE CASCADE, one tenant's delete also removes another tenant's rows");
    expect(project!.evidence?.['fix']).toBe(
      'ALTER TABLE "public"."tasks" DROP CONSTRAINT "tasks_project_fk";\nALTER TABLE "public"."tasks" ADD CONSTRAINT "tasks_project_fk" FOREIGN KEY ("tenant_id", "project_id") REFERENCES "public"."projects" ("tenant_id", "id") ON DELETE CASCADE;',
    );
    expect(assignee!.message).toContain('Reference (tenant_id, assignee_id) → public.members (tenant_id, id) instead.');
  });

  it('fixed: no finding', async () => {
    expect(await ruleFindings(server(), 'foreign-key-without-tenant', 'fixed')).toEqual([]);
  });
});
