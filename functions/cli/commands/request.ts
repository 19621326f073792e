import { join } from 'node:path';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { formatJst } from '#shared/domain/retention.ts';
import {
  REQUEST_TYPES,
  type RequesterKind,
  type RequestType,
  VERIFICATION_METHODS,
} from '#shared/domain/requests.ts';
import { LifecycleError, NotFoundError, ValidationError } from '#shared/errors.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { executionArn, executionName, output, runExecution, waitForExecution } from '../../deployed-stack.ts';
import type { Runtime, StackRuntime } from '../../runtime.ts';
import { isTombstone } from '#shared/domain/record.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { runRequestLocally } from '../../local/local-request.ts';
import { optionList, optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

const AGENTS: Record<string, RequesterKind> = {
  'minor-guardian': 'statutory-agent-minor',
  'adult-guardian': 'statutory-agent-adult-ward',
  delegated: 'delegated-agent',
};

export const requestCommand: CliCommand = {
  path: ['request'],
  positionals: ['TYPE'],
  options: {
    subject: { type: 'string', value: 'ID', description: 'the subject (本人)' },
    record: { type: 'string', value: 'ID', description: 'the record (correct)' },
    'verified-by': { type: 'string', value: 'METHOD', description: 'how the requester was identified' },
    evidence: { type: 'string', value: 'REF', description: 'reference to the identity evidence' },
    agent: { type: 'string', value: 'KIND', description: 'minor-guardian, adult-guardian or delegated' },
    'agent-ref': { type: 'string', value: 'REF', description: 'reference to the agent\'s authority' },
    'request-id': { type: 'string', value: 'ID', description: 'the request id (repeating it repeats the request)' },
    set: { type: 'string', multiple: true, value: 'F=V', description: 'correct: set a field (repeatable)' },
    unset: { type: 'string', multiple: true, value: 'F', description: 'correct: remove a field (repeatable)' },
    'deadline-days': { type: 'string', value: 'N', description: 'days to answer' },
  },
  usage: `request TYPE --subject ID (correct: or --record ID) --verified-by METHOD --evidence REF [--agent minor-guardian|adult-guardian|delegated --agent-ref REF] [--request-id ID] [--record ID --set F=V --unset F] [--deadline-days N]   TYPE: ${REQUEST_TYPES.join('|')}`,
  async run(ctx) {
    const type = ctx.args.positionals[0] as RequestType | undefined;
    const problems = [];
    if (type === undefined || !REQUEST_TYPES.includes(type)) {
      problems.push({ path: 'TYPE', message: `must be one of ${REQUEST_TYPES.join(', ')}` });
    }
    const givenSubject = optionString(ctx.args, 'subject');
    // A correction names its record; the subject is the record's.
    if (givenSubject === undefined && !(type === 'correct' && optionString(ctx.args, 'record') !== undefined)) {
      problems.push({ path: '--subject', message: type === 'correct' ? 'is required (or name the record with --record)' : 'is required' });
    }
    const method = optionString(ctx.args, 'verified-by');
    if (method === undefined) problems.push({ path: '--verified-by', message: `is required (${VERIFICATION_METHODS.join(', ')})` });
    const agent = optionString(ctx.args, 'agent');
    if (agent !== undefined && AGENTS[agent] === undefined) {
      problems.push({ path: '--agent', message: `must be one of ${Object.keys(AGENTS).join(', ')}` });
    }
    const set: Record<string, string> = {};
    for (const pair of optionList(ctx.args, 'set')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) problems.push({ path: '--set', message: `"${pair}" is not FIELD=VALUE` });
      else set[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const days = optionString(ctx.args, 'deadline-days');
    if (days !== undefined && !/^\d+$/.test(days)) problems.push({ path: '--deadline-days', message: 'must be a whole number' });
    if (problems.length > 0) {
      throw new ValidationError('the request cannot be accepted', problems);
    }
    const runtime = await ctx.runtime();
    const agentRef = optionString(ctx.args, 'agent-ref');
    const recordId = optionString(ctx.args, 'record');
    const subjectId = givenSubject ?? (await subjectOfRecord(runtime, recordId as string));
    const request = await registerRequest(runtime.requestDeps, {
      requestId: optionString(ctx.args, 'request-id') ?? `req-${runtime.deps.ids.next()}`,
      type: type as RequestType,
      subjectId,
      requester: { kind: agent === undefined ? 'subject' : (AGENTS[agent] as RequesterKind), ...(agentRef === undefined ? {} : { agentRef }) },
      verification: { method: method as never, evidenceRef: optionString(ctx.args, 'evidence') ?? '' },
      params: {
        ...(recordId === undefined ? {} : { recordId }),
        ...(Object.keys(set).length === 0 ? {} : { set }),
        ...(optionList(ctx.args, 'unset').length === 0 ? {} : { unset: optionList(ctx.args, 'unset') }),
      },
      ...(days === undefined ? {} : { deadlineDays: Number(days) }),
    });
    ctx.progress(`request ${request.requestId} (${request.type}) received; answer due by ${formatJst(request.deadline)}`);
    const done =
      runtime.mode === 'stack'
        ? await requestOnStack(runtime, request, ctx.progress)
        : await runRequestLocally(
            { ...runtime.requestDeps, exports: new DirectoryExportStore(join(ctx.stateDir, 'exports'), runtime.deps.clock) },
            request.type,
            request.requestId,
          );
    if (ctx.json) {
      ctx.out(JSON.stringify(done, null, 2));
    } else {
      ctx.out(`request ${done.requestId} (${done.type}): ${done.status}; deadline ${formatJst(done.deadline)}`);
      ctx.out(`  outcome: ${JSON.stringify(done.outcome)}`);
      for (const reason of done.reasons) {
        ctx.out(`  reason: ${reason}`);
      }
    }
    return done.status === 'refused' ? 2 : 0;
  },
};

/**
 * Starts the deployed state machine of the request's type with the request
 * id as its only input, waits for it, and reads the outcome back from the
 * requests table. The execution is named after the request, so repeating a
 * request id is the same execution (and the same answer).
 */
async function requestOnStack(
  runtime: StackRuntime,
  request: SubjectRequest,
  progress: (line: string) => void,
): Promise<SubjectRequest> {
  const stateMachineArn = output(runtime.stack, `${requestWorkflowName(request.type)}StateMachineArn`);
  const name = executionName(`request-${request.requestId}`);
  await runExecution(runtime.sfn, { stateMachineArn, name, input: { requestId: request.requestId }, progress }).catch(
    (error: unknown) => {
      // The same request was started before: wait for that execution.
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
        return waitForExecution(runtime.sfn, executionArn(stateMachineArn, name), { progress });
      }
      throw error;
    },
  );
  const done = await runtime.requestDeps.requests.get(request.requestId);
  if (done === undefined) {
    throw new NotFoundError(`request ${request.requestId} is not in the requests table of ${runtime.stack.name}`);
  }
  if (done.status === 'received') {
    throw new LifecycleError(
      `request ${request.requestId} was started before and its execution ended without completing it: see execution request-${request.requestId} in the Step Functions console`,
    );
  }
  return done;
}

/** The subject of a live record, for a correction that names only the record. */
async function subjectOfRecord(runtime: Runtime, recordId: string): Promise<string> {
  const record = await runtime.deps.records.get(recordId);
  if (record === undefined || isTombstone(record)) {
    throw new ValidationError('the request cannot be accepted', [
      { path: '--record', message: `no record ${recordId} is held${record === undefined ? '' : ' (it was erased)'}` },
    ]);
  }
  return record.subjectId;
}
