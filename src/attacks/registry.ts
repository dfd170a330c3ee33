import type { Probe } from './probe.ts';
import attackSequence from './probes/attack-sequence.ts';
import contextMissingOrHostile from './probes/context-missing-or-hostile.ts';
import contextPoolReuse from './probes/context-pool-reuse.ts';
import copyTo from './probes/copy-to.ts';
import existenceOracle from './probes/existence-oracle.ts';
import readAggregate from './probes/read-aggregate.ts';
import readByKey from './probes/read-by-key.ts';
import readByPredicate from './probes/read-by-predicate.ts';
import readDerivedRelation from './probes/read-derived-relation.ts';
import readThroughFunction from './probes/read-through-function.ts';
import readThroughJoin from './probes/read-through-join.ts';
import roleSwitch from './probes/role-switch.ts';
import writeInsertForeign from './probes/write-insert-foreign.ts';
import writeMoveRow from './probes/write-move-row.ts';
import writeTruncate from './probes/write-truncate.ts';
import writeUpdateDelete from './probes/write-update-delete.ts';
import writeUpsertMerge from './probes/write-upsert-merge.ts';

/** Every attack probe, one line each; a contract test keeps this and the files in step. */
export const attackProbes: readonly Probe[] = [
  readByKey,
  readByPredicate,
  readAggregate,
  readThroughJoin,
  readDerivedRelation,
  readThroughFunction,
  copyTo,
  writeUpdateDelete,
  writeInsertForeign,
  writeMoveRow,
  writeUpsertMerge,
  writeTruncate,
  existenceOracle,
  contextMissingOrHostile,
  contextPoolReuse,
  roleSwitch,
  attackSequence,
  // Each probe is typed by its own case; the runner only passes a probe its own cases.
].map((probe) => probe as unknown as Probe);
