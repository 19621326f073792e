import { lambdaRequestDeps } from './lambda-deps.ts';
import { requestTasks } from './request-tasks.ts';

export const handler = requestTasks(lambdaRequestDeps()).fail;
