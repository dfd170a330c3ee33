import { describe, it } from 'vitest';
import { expectNoLeak, expectReferenceClean, expectWriteLeaks } from '../../../test/helpers/attacks.ts';
import { useTestServer } from '../../../test/helpers/database.ts';
import probe from './write-move-row.ts';

const server = useTestServer();

describe('write-move-row', () => {
  it('moves an own row into another tenant where the update check replaced the tenant test', async () => {
    await expectWriteLeaks(server(), probe, 'write-without-tenant-check', /^(invoices)$/);
  });

  it('finds nothing when the flaw is fixed', async () => {
    await expectNoLeak(server(), probe, 'write-without-tenant-check', 200);
  });

  it('raises no false alarm on the secure reference over 1,000 generated attacks', async () => {
    await expectReferenceClean(server(), probe);
  });
});
