import { join } from 'node:path';
import { HOW_TO_VERIFY_FILE } from '#shared/domain/erasure-receipt.ts';
import { formatJst } from '#shared/domain/retention.ts';
import {
  REQUEST_OVERDUE_GRACE_DAYS,
  REQUEST_TYPES,
  type RequesterKind,
  type RequestType,
  requestInputProblems,
  type SubjectRequest,
  VERIFICATION_METHODS,
} from '#shared/domain/requests.ts';
import { assertIsError, LifecycleError, NotFoundError, type Problem, ValidationError } from '#shared/errors.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { executionArn, executionName, output, runExecution, waitForExecution } from '../../deployed-stack.ts';
import type { Runtime, StackRuntime } from '../../runtime.ts';
import { type ErasurePreview, previewErasure } from '#shared/use-cases/request-decisions.ts';
import { operatorOf } from '../operator.ts';
import { checkOpenRequests, type RequestInput, registerRequest } from '#shared/use-cases/subject-requests.ts';
import type { ErasureReceiptOutcome } from '#shared/use-cases/erasure-receipt.ts';
import { runEmbeddedRequest } from '../../local/local-request.ts';
import { optionList, optionString } from '../args.ts';
import type { CliCommand, CliContext } from '../types.ts';

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
    controller: { type: 'string', value: 'ID', description: 'the controller answering it (default: the one holding the subject\'s records)' },
    operator: { type: 'string', value: 'ID', description: 'the operator filing it (or WASURE_OPERATOR; on a stack, the caller)' },
  },
  usage: `request TYPE --subject ID (correct: or --record ID) --verified-by METHOD --evidence REF [--agent minor-guardian|adult-guardian|delegated --agent-ref REF] [--request-id ID] [--record ID --set F=V --unset F] [--deadline-days N]   TYPE: ${REQUEST_TYPES.join('|')};  request check: open requests past their deadline (those past deadline + ${REQUEST_OVERDUE_GRACE_DAYS} days end as failed, their freeze lapsed; exit 1)`,
  async run(ctx) {
    if (ctx.args.positionals[0] === CHECK) {
      return checkRequests(ctx);
    }
    const input = requestFromArgs(ctx);
    const runtime = await ctx.runtime();
    const operator = await operatorOf(ctx, runtime);
    const request = await registerRequest(runtime.requestDeps, {
      ...input,
      requestId: input.requestId ?? `req-${runtime.deps.ids.next()}`,
      ...(operator === undefined ? {} : { operator }),
    }).catch((error: unknown) => {
      assertIsError(error);
      throw error instanceof ValidationError
        ? new ValidationError(error.message, error.problems.map((p) => ({ ...p, path: optionOf(p.path) })))
        : error;
    });
    ctx.progress(`request ${request.requestId} (${request.type}) received; answer due by ${formatJst(request.deadline)}`);
    if (request.approval !== undefined && request.approval.state !== 'approved') {
      return printFiled(ctx, runtime, request);
    }
    return executeRequest(ctx, runtime, request);
  },
};

/**
 * Runs a registered (and, where the policy asks, approved) request through
 * its workflow and prints how it ended; the exit code is 2 for a refusal,
 * 1 for a failure.
 */
export async function executeRequest(ctx: CliContext, runtime: Runtime, request: SubjectRequest): Promise<number> {
    const done =
      runtime.mode === 'stack'
        ? await requestOnStack(runtime, request, ctx.progress)
        : await runEmbeddedRequest(runtime, ctx.stateDir, request);
    if (ctx.json) {
      ctx.out(JSON.stringify(done, null, 2));
    } else {
      ctx.out(`request ${done.requestId} (${done.type}): ${done.status}; deadline ${formatJst(done.deadline)}`);
      ctx.out(`  outcome: ${JSON.stringify(done.outcome)}`);
      for (const reason of done.reasons) {
        ctx.out(`  reason: ${reason}`);
      }
      const receipt = receiptLine(done, runtime.mode);
      if (receipt !== undefined) {
        ctx.out(`  erasure receipt: ${receipt}`);
      }
    }
    return done.status === 'refused' ? 2 : done.status === 'failed' ? 1 : 0;
}

/** Prints a request filed for approval, with the erasure preview of an erase request. */
async function printFiled(ctx: CliContext, runtime: Runtime, request: SubjectRequest): Promise<number> {
  const preview = request.type === 'erase' && request.status === 'received' ? await previewErasure(runtime.requestDeps, request) : undefined;
  if (ctx.json) {
    ctx.out(JSON.stringify({ ...request, ...(preview === undefined ? {} : { preview }) }, null, 2));
    return 0;
  }
  ctx.out(
    `request ${request.requestId} (${request.type}): ${request.status === 'received' ? `filed by ${request.filedBy ?? 'an operator'}, awaiting approval by a second operator` : request.status}; deadline ${formatJst(request.deadline)}`,
  );
  if (preview !== undefined) {
    for (const line of previewLines(preview)) ctx.out(`  ${line}`);
  }
  if (request.status === 'received') {
    ctx.out(`  nothing is changed before: wasure request approve ${request.requestId} --operator ID (another operator), or reject it with --reason`);
  }
  return 0;
}

/** The erasure preview in words, one line each. */
export function previewLines(preview: ErasurePreview): string[] {
  return [
    `preview: would erase ${preview.counts.erase} record(s), keep ${preview.counts.keepLaw} by law and ${preview.counts.keepHold} under hold; subject key ${preview.keyDestroyed ? 'destroyed' : 'kept (records remain)'}; ${preview.exportRequests} disclosure package(s) of earlier export requests removed`,
    ...preview.erase.map((r) => `erase ${r.recordId} (${r.dataset})`),
    ...preview.keep.map((r) => `keep  ${r.recordId} (${r.dataset}): ${r.ground === 'law' ? `retention required by law, ${r.reference}${r.until === undefined ? ', until its trigger event and period' : `, until ${formatJst(r.until)}`}` : `legal hold: ${r.reference}`}`),
    ...preview.openRequests.map((r) => `open request ${r.requestId} (${r.type}) of the subject: not waited for`),
  ];
}

/** What became of an erase request's receipt, in words (undefined for other requests). */
function receiptLine(done: SubjectRequest, mode: 'embedded' | 'stack'): string | undefined {
  const receipt = done.outcome?.erasureReceipt as ErasureReceiptOutcome | undefined;
  switch (receipt?.status) {
    case undefined:
      return undefined;
    case 'issued':
      return mode === 'stack'
        ? `package ${receipt.location} (its manifest; ${receipt.events} event(s), signed checkpoint ${receipt.checkpoint}, kept until ${formatJst(receipt.expiresAt)})`
        : `${join(receipt.location, receipt.file)} (${receipt.events} event(s), signed checkpoint ${receipt.checkpoint}; with ${HOW_TO_VERIFY_FILE}; kept until ${formatJst(receipt.expiresAt)}); check it with: wasure receipt verify ${join(receipt.location, receipt.file)}`;
    case 'nothing-erased':
      return 'none: nothing of the subject was erased, so there is nothing to prove';
    case 'later':
      return `not issued yet (the checkpoint or the receipt step did not succeed in time; the erasure is done); after the next signed checkpoint: wasure receipt issue --subject ID --request ${done.requestId} --out receipt.json`;
  }
}

/** The word that selects the overdue check instead of a request type. */
const CHECK = 'check';

/**
 * Reads and checks every argument of a new request before any store is
 * opened: a refusal (exit 2) leaves nothing behind. What needs the stores
 * (the record of a correction, its fields in the catalogue) is checked by
 * registerRequest, still before anything is written.
 */
function requestFromArgs(ctx: CliContext): Omit<RequestInput, 'requestId'> & { requestId?: string } {
  const type = ctx.args.positionals[0] as RequestType | undefined;
  const problems: Problem[] = [];
  if (type === undefined || !REQUEST_TYPES.includes(type)) {
    problems.push({ path: 'TYPE', message: `must be one of ${REQUEST_TYPES.join(', ')} (or ${CHECK})` });
  }
  const subjectId = optionString(ctx.args, 'subject');
  const recordId = optionString(ctx.args, 'record');
  // A correction names its record; the subject is the record's.
  if (subjectId === undefined && !(type === 'correct' && recordId !== undefined)) {
    problems.push({ path: '--subject', message: type === 'correct' ? 'is required (or name the record with --record)' : 'is required' });
  }
  const method = optionString(ctx.args, 'verified-by');
  if (method === undefined) problems.push({ path: '--verified-by', message: `is required (${VERIFICATION_METHODS.join(', ')})` });
  const evidence = optionString(ctx.args, 'evidence');
  if (evidence === undefined) problems.push({ path: '--evidence', message: 'is required (a reference to the identity evidence)' });
  const agent = optionString(ctx.args, 'agent');
  const agentRef = optionString(ctx.args, 'agent-ref');
  if (agent !== undefined && AGENTS[agent] === undefined) {
    problems.push({ path: '--agent', message: `must be one of ${Object.keys(AGENTS).join(', ')}` });
  }
  if (agent === undefined && agentRef !== undefined) {
    problems.push({ path: '--agent-ref', message: 'needs --agent (the kind of agent)' });
  }
  const set: Record<string, string> = {};
  for (const pair of optionList(ctx.args, 'set')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push({ path: '--set', message: `"${pair}" is not FIELD=VALUE` });
    else if (Object.hasOwn(set, pair.slice(0, eq))) problems.push({ path: '--set', message: `${pair.slice(0, eq)} is set twice` });
    else set[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const unset = optionList(ctx.args, 'unset');
  if (type !== 'correct') {
    for (const [option, given] of [['--record', recordId !== undefined], ['--set', Object.keys(set).length > 0], ['--unset', unset.length > 0]] as const) {
      if (given) problems.push({ path: option, message: 'is only for a correction (request correct)' });
    }
  }
  const days = optionString(ctx.args, 'deadline-days');
  if (days !== undefined && !/^\d+$/.test(days)) problems.push({ path: '--deadline-days', message: 'must be a whole number' });
  const requestId = optionString(ctx.args, 'request-id');
  const input = {
    ...(requestId === undefined ? {} : { requestId }),
    type: type as RequestType,
    ...(subjectId === undefined ? {} : { subjectId }),
    requester: { kind: agent === undefined ? 'subject' : (AGENTS[agent] as RequesterKind), ...(agentRef === undefined ? {} : { agentRef }) },
    verification: { method: method as never, evidenceRef: evidence ?? '' },
    params: {
      ...(recordId === undefined ? {} : { recordId }),
      ...(Object.keys(set).length === 0 ? {} : { set }),
      ...(unset.length === 0 ? {} : { unset }),
    },
    ...(days === undefined ? {} : { deadlineDays: Number(days) }),
    ...(optionString(ctx.args, 'controller') === undefined ? {} : { controllerId: optionString(ctx.args, 'controller') as string }),
  };
  if (problems.length === 0) {
    // The same checks registerRequest makes first, here before any store opens.
    problems.push(
      ...requestInputProblems({ ...input, requestId: requestId ?? 'req-generated' }).map((p) => ({ ...p, path: optionOf(p.path) })),
    );
  }
  if (problems.length > 0) {
    throw new ValidationError('the request cannot be accepted', problems);
  }
  return input;
}

/** The option that carries each input of a request. */
const OPTION_OF: Readonly<Record<string, string>> = {
  requestId: '--request-id',
  subjectId: '--subject',
  'requester.agentRef': '--agent-ref',
  'verification.evidenceRef': '--evidence',
  deadlineDays: '--deadline-days',
  'params.recordId': '--record',
  controllerId: '--controller',
  operator: '--operator',
};

/** The option a problem's input path names (`params.set.F` → `--set F`). */
function optionOf(path: string): string {
  const field = /^params\.(set|unset)\.(.+)$/.exec(path);
  return field === null ? (OPTION_OF[path] ?? path) : `--${field[1]} ${field[2]}`;
}

/**
 * `wasure request check`: the overdue check the stack runs on a schedule.
 * Open requests past their deadline are reported on stderr (and in
 * --json); those past the deadline plus the grace end as failed, their
 * freeze of the subject's records lapsed, and make the exit code 1.
 */
async function checkRequests(ctx: CliContext): Promise<number> {
  if (ctx.args.positionals.length > 1 || Object.keys(ctx.args.options).some((o) => o in (requestCommand.options ?? {}))) {
    throw new ValidationError('request check takes no arguments', [{ path: 'check', message: 'give only --json (and the global options)' }]);
  }
  const runtime = await ctx.runtime();
  const overdue = await checkOpenRequests(runtime.requestDeps);
  const lapsed = overdue.filter((r) => r.state === 'lapsed');
  for (const r of overdue) {
    ctx.progress(
      r.state === 'lapsed'
        ? `request ${r.requestId} (${r.type}) was due ${formatJst(r.deadline)} and is still open ${REQUEST_OVERDUE_GRACE_DAYS} days later: ended as failed; the freeze of the subject's records lapsed`
        : `request ${r.requestId} (${r.type}) is overdue: it was due ${formatJst(r.deadline)}; its freeze lapses ${formatJst(r.lapsesAt)}`,
    );
  }
  if (ctx.json) {
    ctx.out(JSON.stringify({ overdue: overdue.length, lapsed: lapsed.length, requests: overdue }, null, 2));
  } else {
    ctx.out(`${overdue.length} open request(s) past their deadline; ${lapsed.length} lapsed now`);
  }
  return lapsed.length > 0 ? 1 : 0;
}

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
  try {
    await runExecution(runtime.sfn, { stateMachineArn, name, input: { requestId: request.requestId }, progress }).catch(
      (error: unknown) => {
        // The same request was started before: wait for that execution.
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
          return waitForExecution(runtime.sfn, executionArn(stateMachineArn, name), { progress });
        }
        throw error;
      },
    );
  } catch (error) {
    assertIsError(error);
    // A failed execution has ended the request as failed (its catch):
    // that ending, with its reason, is the answer.
    const ended = await runtime.requestDeps.requests.get(request.requestId);
    if (ended?.status !== 'failed') {
      throw error;
    }
  }
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
