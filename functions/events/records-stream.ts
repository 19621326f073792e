import { instrument } from '#shared/logging.ts';
import { auditRecordChanges } from '#shared/use-cases/audit-record-changes.ts';
import { lambdaSweepDeps } from '../workflow/lambda-deps.ts';
import { type StreamRecord, toChanges } from './records-stream-changes.ts';

const deps = lambdaSweepDeps();

/** DynamoDB stream of the records table → audit, TTL expiries finished. */
export const handler = instrument('records-stream', {
  changes: async (event: { Records?: StreamRecord[] }) => auditRecordChanges(deps, toChanges(event.Records ?? [])),
}, deps.log, { changes: (r) => ({ ...r }) }).changes;
