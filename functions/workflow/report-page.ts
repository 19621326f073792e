import { lambdaSweepDeps } from './lambda-deps.ts';
import { sweepTasks } from './sweep-tasks.ts';

export const handler = sweepTasks(lambdaSweepDeps()).report;
