import { ENV } from '#shared/config/env.ts';
import { lambdaSweepDeps } from './lambda-deps.ts';
import { auditTasks } from './audit-tasks.ts';

const deps = lambdaSweepDeps();
const budgetSeconds = Number(process.env[ENV.verifyBudgetSeconds]);

export const handler = auditTasks({
  audit: deps.checkpointer,
  checkpoint: deps.checkpoint,
  ...(Number.isFinite(budgetSeconds) && budgetSeconds > 0 ? { budgetMs: budgetSeconds * 1000 } : {}),
  ...(deps.log === undefined ? {} : { log: deps.log }),
}).verify;
