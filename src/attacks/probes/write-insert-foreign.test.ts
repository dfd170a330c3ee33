import { describe, it } from 'vitest';
import { expectNoLeak, expectReferenceClean, expectWriteLeaks } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-insert-foreign.ts';

const server = useTestServer();

describe('write-insert-foreign', () => {
  it('inserts rows carrying another tenant’s id, or under its parent, where the insert check forgets the tenant', async () => {
    await expectWriteLeaks(server(), probe, 'write-without-tenant-check', /^(orders|invoice_line_items)$/);
  });

  it('finds nothing when the flaw is fixed', async () => {
    await expectNoLeak(server(), probe, 'write-without-tenant-check', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
