import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge.ts';

/** The package root (where package-lock.json is). */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** Props of {@link PipelineFunction}. */
export interface PipelineFunctionProps {
  /** Handler entry file (exports `handler`). */
  readonly entry: string;
  /** Environment variables (names from shared/config/env.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /** Catalogue file bundled into the code. */
  readonly catalogueFile: string;
  /** Log retention. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Timeout. @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** Memory in MB. @default 1024 */
  readonly memorySize?: number;
  /** Key that encrypts the log group. */
  readonly logKey: kms.IKey;
  /** A fixed role name, for a role that resource policies name. @default generated */
  readonly roleName?: string;
  /** Reserved concurrency (e.g. 1 for the one audit sequencer). */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A Lambda function with the pipeline's defaults: Node 22 on ARM64,
 * bundled by the local esbuild (no Docker), source maps, structured JSON
 * logs in its own log group, X-Ray tracing, and the policy catalogue
 * compiled in so each deployment runs one catalogue version.
 */
export class PipelineFunction extends Construct {
  /** The function. */
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });
    const catalogue = readFileSync(props.catalogueFile, 'utf8');
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to
    // this function's log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `wasure ${id}`,
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
    });
    logGroup.grantWrite(role);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      // Named from this file, not found from the working directory, so the
      // app synthesizes from anywhere (the local runner does, inside a CLI).
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        forceDockerBundling: false,
        // The SDK is bundled rather than taken from the runtime so the
        // deployed code runs the same pinned versions the tests ran.
        externalModules: [],
        define: { __WASURE_CATALOGUE__: JSON.stringify(JSON.stringify(JSON.parse(catalogue))) },
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to Node.js 22, the runtime the code and its tests target; a runtime upgrade is a tested change, not an automatic one.',
    });
    acknowledge(
      role,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; log writes are limited to this function\'s own log group.',
    );
  }
}
