import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { ENV, requireEnv } from '#shared/config/env.ts';
import { lambdaSweepDeps } from '../workflow/lambda-deps.ts';
import { landingTasks } from './landing-tasks.ts';

const deps = lambdaSweepDeps();
const bucket = requireEnv(process.env, ENV.landingBucket);
const landing = new S3ObjectStore(new S3Client({}), bucket, { kmsKeyId: requireEnv(process.env, ENV.dataKeyArn) });

/** EventBridge "Object Created" on the landing bucket → tagged records or quarantine. */
export const handler = landingTasks({ ...deps, landing }, bucket).tag;
