import { lambdaSweepDeps } from './lambda-deps.ts';
import { auditTasks } from './audit-tasks.ts';

const deps = lambdaSweepDeps();

export const handler = auditTasks({
  audit: deps.checkpointer,
  checkpoint: deps.checkpoint,
  ...(deps.log === undefined ? {} : { log: deps.log }),
}).verify;
