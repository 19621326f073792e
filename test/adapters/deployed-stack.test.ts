/**
 * `wasure --stack NAME`: stack outputs, executions started and awaited with
 * progress, failures named; AWS APIs stubbed with aws-sdk-client-mock
 * (nothing can be deployed here).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifecycleError } from '#shared/errors.ts';
import { OUTPUTS } from '#infra/names.ts';
import { RESOURCES } from '#shared/config/resources.ts';
import { describeDeployedStack, output, runExecution, stackNames } from '#functions/deployed-stack.ts';
import { runCli } from '#functions/cli/main.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const cfn = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
/** The caller's identity: the operator a request filed on a stack is recorded under. */
const sts = mockClient(STSClient);
const CALLER = 'arn:aws:sts::123456789012:assumed-role/WasureAdmin/clerk-01';

const ARN = 'arn:aws:states:ap-northeast-1:123456789012';
const statefulOutputs = {
  [RESOURCES.recordsTable.output]: 'records-t',
  [RESOURCES.keysTable.output]: 'keys-t',
  [RESOURCES.auditTable.output]: 'audit-t',
  [RESOURCES.requestsTable.output]: 'requests-t',
  [RESOURCES.documentsBucket.output]: 'docs-b',
  [RESOURCES.checkpointsBucket.output]: 'cp-b',
  [RESOURCES.exportsBucket.output]: 'exp-b',
  [RESOURCES.dataKey.output]: 'arn:aws:kms:ap-northeast-1:123456789012:key/data',
  [RESOURCES.pseudonymKey.output]: 'arn:aws:kms:ap-northeast-1:123456789012:key/hmac',
  [RESOURCES.signingKey.output]: 'arn:aws:kms:ap-northeast-1:123456789012:key/sign',
  [RESOURCES.auditMacKey.output]: 'arn:aws:kms:ap-northeast-1:123456789012:key/audit-mac',
  [RESOURCES.eventBus.output]: 'arn:aws:events:ap-northeast-1:123456789012:event-bus/default',
};
const statelessOutputs = (version = sampleCatalogue().version) => ({
  [RESOURCES.sweepStateMachine.output]: `${ARN}:stateMachine:WasureStateless-RetentionSweep`,
  RequestExportStateMachineArn: `${ARN}:stateMachine:RequestExport`,
  [OUTPUTS.catalogueVersion]: version,
});
const asOutputs = (o: Record<string, string>) => Object.entries(o).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
const deployed = (version?: string) => {
  cfn.on(DescribeStacksCommand, { StackName: 'WasureStateful' }).resolves({
    Stacks: [{ StackName: 'WasureStateful', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: asOutputs(statefulOutputs) }],
  });
  cfn.on(DescribeStacksCommand, { StackName: 'WasureStateless' }).resolves({
    Stacks: [{ StackName: 'WasureStateless', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: asOutputs(statelessOutputs(version)) }],
  });
};
/**
 * The deployed tables and keys as the request path uses them: the requests
 * table answers what was written, completed once an execution has run.
 */
const deployedStores = () => {
  let stored: Record<string, unknown> | undefined;
  dynamodb.on(PutItemCommand, { TableName: 'requests-t' }).callsFake((input) => {
    stored = input.Item;
    return {};
  });
  dynamodb.on(GetItemCommand, { TableName: 'requests-t' }).callsFake(() => (stored === undefined ? {} : { Item: { ...stored, status: { S: 'completed' } } }));
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  dynamodb.on(GetItemCommand, { TableName: 'audit-t' }).resolves({});
  dynamodb.on(TransactWriteItemsCommand).resolves({});
  // the request's personal values are sealed under a fresh subject key
  dynamodb.on(GetItemCommand, { TableName: 'keys-t' }).resolves({});
  dynamodb.on(PutItemCommand, { TableName: 'keys-t' }).resolves({});
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(32).fill(7), CiphertextBlob: new Uint8Array(48) });
  kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array(32) });
};
const cli = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: { AWS_REGION: 'ap-northeast-1' }, cwd: process.cwd() });
  return { code, stdout: out.join(''), stderr: err.join('') };
};
const report = (over: Record<string, unknown>) => ({
  sweepId: 's1',
  now: '2026-11-22T00:00:00.000Z',
  dryRun: false,
  pages: 1,
  pageBudget: 40,
  pageSize: 500,
  executions: 1,
  totals: { planned: 3, purged: 2, held: 1, pendingRequest: 0, notDue: 0, alreadyErased: 0, missing: 0, objectVersionsDeleted: 4, keysDestroyed: 1 },
  purged: ['r-1'],
  skipped: [],
  complete: true,
  ...over,
});

describe('--stack: a deployed wasure', () => {
  beforeEach(() => {
    cfn.reset();
    sfn.reset();
    dynamodb.reset();
    kms.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER });
  });
  afterEach(() => {
    cfn.reset();
  });

  it('names both stacks from a prefix or either full name', () => {
    expect(stackNames('Wasure')).toEqual({ stateful: 'WasureStateful', stateless: 'WasureStateless' });
    expect(stackNames('WasureStateless')).toEqual({ stateful: 'WasureStateful', stateless: 'WasureStateless' });
  });

  it('reads the outputs of both stacks, and names a missing stack or output', async () => {
    deployed();
    const stack = await describeDeployedStack(new CloudFormationClient({ region: 'ap-northeast-1' }), 'Wasure', 'ap-northeast-1');
    expect(output(stack, RESOURCES.recordsTable.output)).toBe('records-t');
    expect(output(stack, RESOURCES.sweepStateMachine.output)).toContain('RetentionSweep');
    expect(() => output(stack, 'NoSuchOutput')).toThrow(/output NoSuchOutput is missing from WasureStateful\/WasureStateless/);
    cfn.on(DescribeStacksCommand, { StackName: 'OtherStateful' }).rejects(new Error('Stack with id OtherStateful does not exist'));
    await expect(describeDeployedStack(new CloudFormationClient({ region: 'ap-northeast-1' }), 'Other', 'ap-northeast-1')).rejects.toThrow(
      /stack OtherStateful was not found in ap-northeast-1/,
    );
  });

  it('starts an execution, reports progress while it runs, and returns its output', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:execution:m:e1`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn: `${ARN}:execution:m:e1`, stateMachineArn: 'm', startDate: new Date() })
      .resolvesOnce({ status: 'SUCCEEDED', executionArn: `${ARN}:execution:m:e1`, stateMachineArn: 'm', startDate: new Date(), output: '{"ok":true}' });
    const lines: string[] = [];
    const pauses: number[] = [];
    const result = await runExecution(new SFNClient({ region: 'ap-northeast-1' }), {
      stateMachineArn: 'm',
      name: 'e1',
      input: { requestId: 'q-1' },
      progress: (l) => lines.push(l),
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(result.output).toEqual({ ok: true });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({ stateMachineArn: 'm', name: 'e1', input: '{"requestId":"q-1"}' });
    expect(lines.some((l) => l.includes('running'))).toBe(true);
    expect(lines.at(-1)).toContain('succeeded');
    expect(pauses).toEqual([1000]);
  });

  it('fails with the execution error and cause', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:execution:m:e2`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      executionArn: `${ARN}:execution:m:e2`,
      stateMachineArn: 'm',
      startDate: new Date(),
      error: 'SweepFailed',
      cause: 'A sweep task failed with a non-retryable error',
    });
    const run = runExecution(new SFNClient({ region: 'ap-northeast-1' }), { stateMachineArn: 'm', name: 'e2', input: {}, progress: () => undefined });
    await expect(run).rejects.toBeInstanceOf(LifecycleError);
    await expect(run).rejects.toThrow('execution e2 failed: SweepFailed — A sweep task failed with a non-retryable error');
  });

  it('wasure --stack sweep starts the deployed sweep, follows its continuation and prints the whole report', async () => {
    deployed();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:execution:WasureStateless-RetentionSweep:first`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand, { executionArn: `${ARN}:execution:WasureStateless-RetentionSweep:first` }).resolves({
      status: 'SUCCEEDED',
      executionArn: 'x',
      stateMachineArn: 'm',
      startDate: new Date(),
      output: JSON.stringify(report({ complete: false, continuedAs: `${ARN}:execution:WasureStateless-RetentionSweep:second`, purged: ['r-1'] })),
    });
    sfn.on(DescribeExecutionCommand, { executionArn: `${ARN}:execution:WasureStateless-RetentionSweep:second` }).resolves({
      status: 'SUCCEEDED',
      executionArn: 'x',
      stateMachineArn: 'm',
      startDate: new Date(),
      output: JSON.stringify(report({ purged: ['r-2'], skipped: [{ recordId: 'r-3', decision: 'held', reason: 'hold h-1' }] })),
    });
    const { code, stdout, stderr } = await cli(['--stack', 'Wasure', 'sweep', '--json', '--progress']);
    expect(stderr).toContain('continued as');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.purged).toEqual(['r-1', 'r-2']);
    expect(out.executionNames).toEqual(['first', 'second']);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toContain('RetentionSweep');
    expect(JSON.parse(start?.input ?? '')).toEqual({ dryRun: false });
  });

  it('wasure --stack request registers the request in the deployed table and starts its state machine with the request id only', async () => {
    deployed();
    deployedStores();
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:execution:RequestExport:request-q-9`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', executionArn: 'x', stateMachineArn: 'm', startDate: new Date(), output: '{}' });
    const { code, stdout, stderr } = await cli(['--stack', 'Wasure', 'request', 'export', '--subject', 'S-SECRET-1', '--verified-by', 'my-number-card', '--evidence', 'case-9', '--request-id', 'q-9', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ requestId: 'q-9', type: 'export', status: 'completed' });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: `${ARN}:stateMachine:RequestExport`, name: 'request-q-9' });
    expect(JSON.parse(start?.input ?? '')).toEqual({ requestId: 'q-9' });
    expect(JSON.stringify(sfn.calls().map((c) => c.args[0].input))).not.toContain('S-SECRET-1');
    // Filed under the caller's own AWS identity, as no --operator was given.
    expect(JSON.stringify(dynamodb.calls().map((c) => c.args[0].input))).toContain(CALLER);
  });

  it('refuses a catalogue other than the deployed one, --now, and the demo', async () => {
    deployed('2099.1.1');
    const mismatch = await cli(['--stack', 'Wasure', 'sweep']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`the stack runs catalogue version 2099.1.1, this CLI has ${sampleCatalogue().version}`);
    const now = await cli(['--stack', 'Wasure', '--now', '2030-01-01T00:00:00Z', 'sweep']);
    expect(now.code).toBe(1);
    expect(now.stderr).toContain('--now only applies to the embedded stores');
    cfn.reset();
    deployed();
    const demo = await cli(['--stack', 'Wasure', 'demo']);
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain('embedded stores only');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lets credential errors through under their own name', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }));
    const { code, stderr } = await cli(['--stack', 'Wasure', 'sweep']);
    expect(code).toBe(1);
    expect(stderr).toContain('The security token included in the request is expired');
    expect(stderr).not.toContain('was not found');
  });

  it('waits for the earlier execution when a request id was started before', async () => {
    deployed();
    deployedStores();
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', executionArn: 'x', stateMachineArn: 'm', startDate: new Date(), output: '{}' });
    const { code } = await cli(['--stack', 'Wasure', 'request', 'export', '--subject', 'S-1', '--verified-by', 'my-number-card', '--evidence', 'e', '--request-id', 'q-7']);
    expect(code).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: `${ARN}:execution:RequestExport:request-q-7` });
  });

  it('names a missing stack with a non-zero exit', async () => {
    cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id NopeStateful does not exist'));
    const { code, stderr } = await cli(['--stack', 'Nope', 'audit', 'verify']);
    expect(code).toBe(1);
    expect(stderr).toContain('stack NopeStateful was not found in ap-northeast-1');
  });
});
