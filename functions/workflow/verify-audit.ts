import { lambdaSweepDeps } from './lambda-deps.ts';
import { auditTasks } from './audit-tasks.ts';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';

const deps = lambdaSweepDeps();

export const handler = auditTasks({ audit: deps.audit as DynamoAuditTrail, ...(deps.log === undefined ? {} : { log: deps.log }) }).verify;
