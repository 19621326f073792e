/**
 * The audit sequencer: the one function that chains staged audit events.
 * Writers on AWS only stage (`pending#*` entries, often in the same
 * transaction as their business write); the audit table's stream wakes this
 * function on each staged entry (and a schedule every few minutes is the
 * backstop), and it integrates everything pending in batches, moving the
 * head once per batch. Reserved concurrency 1: one sequencer, no head
 * contention; a second one would still be safe (conditional writes).
 */
import { instrument } from '#shared/logging.ts';
import { lambdaSweepDeps } from '../workflow/lambda-deps.ts';

const deps = lambdaSweepDeps();

export const handler = instrument(
  'audit',
  {
    sequence: async (_event: unknown) => {
      const { sequencer } = deps;
      sequencer.maxDelayMs = 0;
      const integrated = await sequencer.sequence();
      return { integrated, maxDelayMs: sequencer.maxDelayMs };
    },
  },
  deps.log,
  { sequence: (r) => ({ ...r }) },
).sequence;
