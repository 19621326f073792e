import { requireName } from '#shared/config/resources.ts';
import { lambdaSweepDeps } from '../workflow/lambda-deps.ts';
import { landingTasks } from './landing-tasks.ts';

const deps = lambdaSweepDeps();
const bucket = requireName(deps.names, 'landingBucket');
if (deps.landing === undefined) {
  throw new Error('the landing tagger is bound to the landing bucket and the data key');
}

/** EventBridge "Object Created" on the landing bucket → tagged records or quarantine. */
export const handler = landingTasks({ ...deps, landing: deps.landing }, bucket).tag;
