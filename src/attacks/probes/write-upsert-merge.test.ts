import { describe, it } from 'vitest';
import { expectNoLeak, expectReferenceClean, expectWriteLeaks } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-upsert-merge.ts';

const server = useTestServer();

describe('write-upsert-merge', () => {
  it('upserts and merges onto another tenant’s rows of a table without row-level security', async () => {
    await expectWriteLeaks(server(), probe, 'rls-disabled', /^(notes)$/);
  });

  it('finds nothing when the flaw is fixed', async () => {
    await expectNoLeak(server(), probe, 'rls-disabled', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
