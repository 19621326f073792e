/**
 * What operators do with filed requests: approve (then carry out), reject,
 * withdraw, extend the deadline, pause and resume its clock, show one,
 * list them.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import type { NoticeKind } from '#shared/domain/notices/index.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { renderRequestNotice } from '#shared/use-cases/decision-notice.ts';
import type { ApprovalDecision } from '#shared/domain/request-approval.ts';
import { openRequestState, REQUEST_ID_PATTERN, type RequestStatus, requestStanding } from '#shared/domain/requests.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';
import { decideRequest, extendRequest, pauseRequest, previewErasure, resumeRequest } from '#shared/use-cases/request-decisions.ts';
import { optionString, withOptionPaths } from '../args.ts';
import { operatorOptionProblems, requiredOperator } from '../operator.ts';
import type { CliCommand, CliContext } from '../types.ts';
import { executeRequest, previewLines } from './request.ts';

const OPERATOR = { type: 'string', value: 'ID', description: 'who decides (or WASURE_OPERATOR; on a stack, the caller)' } as const;
const REASON = { type: 'string', value: 'TEXT', description: 'the reason, kept with the request (not in the audit trail)' } as const;

/** The REQUEST_ID positional, checked before any store opens. */
export function requestIdOf(ctx: CliContext, problems: Problem[]): string {
  const id = ctx.args.positionals[0];
  if (id === undefined) problems.push({ path: 'REQUEST_ID', message: 'is required' });
  else if (!REQUEST_ID_PATTERN.test(id)) problems.push({ path: 'REQUEST_ID', message: `"${id.slice(0, 70)}" is not a request id` });
  return id ?? '';
}

/** The operator, required, and the runtime it was asked of. */
async function decidingOperator(ctx: CliContext): Promise<{ operator: string; runtime: Awaited<ReturnType<CliContext['runtime']>> }> {
  const runtime = await ctx.runtime();
  return { operator: await requiredOperator(ctx, runtime), runtime };
}

/** The options that carry a decision's inputs. */
const DECISION_OPTIONS = { operator: '--operator', reason: '--reason', days: '--days' } as const;

/** A use case's refusal, its paths named as these commands' options. */
const asOption = <T>(promise: Promise<T>): Promise<T> => withOptionPaths(promise, DECISION_OPTIONS);

function decisionCommand(decision: ApprovalDecision): CliCommand {
  const verb = { approve: 'approve', reject: 'reject', withdraw: 'withdraw' }[decision];
  return {
    path: ['request', verb],
    positionals: ['REQUEST_ID'],
    options: { operator: OPERATOR, reason: REASON },
    usage:
      decision === 'approve'
        ? 'request approve REQUEST_ID --operator ID [--reason TEXT]   approve a filed request (not your own) and carry it out'
        : decision === 'reject'
          ? 'request reject REQUEST_ID --operator ID --reason TEXT   reject a filed request: nothing is changed, the request ends as rejected'
          : 'request withdraw REQUEST_ID --operator ID --reason TEXT   withdraw a request you filed, before its approval (取下げ)',
    async run(ctx) {
      const problems: Problem[] = [];
      const requestId = requestIdOf(ctx, problems);
      problems.push(...operatorOptionProblems(ctx));
      const reason = optionString(ctx.args, 'reason');
      if (decision !== 'approve' && (reason === undefined || reason.trim() === '')) {
        problems.push({ path: '--reason', message: `is required: a ${decision === 'reject' ? 'rejection' : 'withdrawal'} says why` });
      }
      if (problems.length > 0) throw new ValidationError(`request ${requestId} cannot be ${decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'withdrawn'}`, problems);
      const { operator, runtime } = await decidingOperator(ctx);
      const decided = await asOption(
        decideRequest(runtime.requestDeps, { requestId, operator, decision, ...(reason === undefined ? {} : { reason }) }),
      );
      ctx.progress(`request ${requestId} ${decided.approval?.state ?? decision} by ${operator}`);
      if (decision === 'approve') return executeRequest(ctx, runtime, decided);
      if (ctx.json) ctx.out(JSON.stringify(decided, null, 2));
      else ctx.out(`request ${requestId} (${decided.type}): ${decided.status} by ${operator}; nothing was changed; its freeze of the subject's records is released`);
      return 0;
    },
  };
}

export const requestApproveCommand = decisionCommand('approve');
export const requestRejectCommand = decisionCommand('reject');
export const requestWithdrawCommand = decisionCommand('withdraw');

export const requestExtendCommand: CliCommand = {
  path: ['request', 'extend'],
  positionals: ['REQUEST_ID'],
  options: { operator: OPERATOR, reason: REASON, days: { type: 'string', value: 'N', description: 'days added (1–30, once: Art. 83(2))' } },
  usage: 'request extend REQUEST_ID --days N --reason TEXT --operator ID   extend the deadline once (Art. 83(2)), with the reason the requester is told',
  async run(ctx) {
    const problems: Problem[] = [];
    const requestId = requestIdOf(ctx, problems);
    problems.push(...operatorOptionProblems(ctx));
    const days = optionString(ctx.args, 'days');
    if (days === undefined || !/^\d{1,3}$/.test(days)) problems.push({ path: '--days', message: 'is required: a whole number of days from 1 to 30' });
    const reason = optionString(ctx.args, 'reason');
    if (reason === undefined || reason.trim() === '') problems.push({ path: '--reason', message: 'is required: the written reason the requester is told' });
    if (problems.length > 0) throw new ValidationError(`the deadline of request ${requestId} cannot be extended`, problems);
    const { operator, runtime } = await decidingOperator(ctx);
    const done = await asOption(extendRequest(runtime.requestDeps, { requestId, operator, days: Number(days), reason: reason as string }));
    if (ctx.json) ctx.out(JSON.stringify(done, null, 2));
    else ctx.out(`request ${requestId}: deadline extended by ${days} day(s) to ${formatJst(done.deadline)} by ${operator}`);
    return 0;
  },
};

export const requestPauseCommand: CliCommand = {
  path: ['request', 'pause'],
  positionals: ['REQUEST_ID'],
  options: { operator: OPERATOR, reason: REASON },
  usage: 'request pause REQUEST_ID --reason TEXT --operator ID   stop the clock while the requester is asked for something (補正)',
  async run(ctx) {
    const problems: Problem[] = [];
    const requestId = requestIdOf(ctx, problems);
    problems.push(...operatorOptionProblems(ctx));
    const reason = optionString(ctx.args, 'reason');
    if (reason === undefined || reason.trim() === '') problems.push({ path: '--reason', message: 'is required: what the requester was asked for' });
    if (problems.length > 0) throw new ValidationError(`request ${requestId} cannot be paused`, problems);
    const { operator, runtime } = await decidingOperator(ctx);
    const done = await asOption(pauseRequest(runtime.requestDeps, { requestId, operator, reason: reason as string }));
    if (ctx.json) ctx.out(JSON.stringify(done, null, 2));
    else ctx.out(`request ${requestId}: clock paused by ${operator} since ${formatJst(done.pausedSince as string)}`);
    return 0;
  },
};

export const requestResumeCommand: CliCommand = {
  path: ['request', 'resume'],
  positionals: ['REQUEST_ID'],
  options: { operator: OPERATOR },
  usage: 'request resume REQUEST_ID --operator ID   start a paused request\'s clock again; the deadline moves by the days it stood still',
  async run(ctx) {
    const problems: Problem[] = [];
    const requestId = requestIdOf(ctx, problems);
    problems.push(...operatorOptionProblems(ctx));
    if (problems.length > 0) throw new ValidationError(`request ${requestId} cannot be resumed`, problems);
    const { operator, runtime } = await decidingOperator(ctx);
    const done = await asOption(resumeRequest(runtime.requestDeps, { requestId, operator }));
    if (ctx.json) ctx.out(JSON.stringify(done, null, 2));
    else ctx.out(`request ${requestId}: clock resumed by ${operator}; deadline now ${formatJst(done.deadline)}`);
    return 0;
  },
};


export const requestShowCommand: CliCommand = {
  path: ['request', 'show'],
  positionals: ['REQUEST_ID'],
  usage: 'request show REQUEST_ID   one request: status, deadline, approval, timeline, and for a pending erasure what it would erase and keep',
  async run(ctx) {
    const problems: Problem[] = [];
    const requestId = requestIdOf(ctx, problems);
    if (problems.length > 0) throw new ValidationError('no request to show', problems);
    const runtime = await ctx.runtime();
    const request = await runtime.requestDeps.requests.get(requestId);
    if (request === undefined) {
      throw new ValidationError(`request ${requestId} does not exist`, [{ path: 'REQUEST_ID', message: 'no such request (wasure request list shows them)' }]);
    }
    const now = runtime.deps.clock.now();
    const preview = request.type === 'erase' && request.status === 'received' ? await previewErasure(runtime.requestDeps, request) : undefined;
    // The sealed personal values are not shown: they stay ciphertext.
    const { sealed: _sealed, ...shown } = request;
    if (ctx.json) {
      ctx.out(JSON.stringify({ ...shown, standing: requestStanding(request, now), ...(preview === undefined ? {} : { preview }) }, null, 2));
      return 0;
    }
    ctx.out(`request ${request.requestId} (${request.type}): ${requestStanding(request, now)}`);
    ctx.out(`  controller: ${request.controllerId ?? '(not named)'}; filed by ${request.filedBy ?? '(no operator)'}; received ${formatJst(request.receivedAt)}`);
    ctx.out(`  deadline: ${formatJst(request.deadline)}${request.extension === undefined ? '' : ` (extended ${request.extension.days} day(s): ${request.extension.reason})`}`);
    if (request.approval !== undefined) {
      ctx.out(`  approval: ${request.approval.state}${request.approval.decidedBy === undefined ? '' : ` by ${request.approval.decidedBy} ${formatJst(request.approval.decidedAt as string)}`}`);
    }
    for (const entry of request.timeline ?? []) {
      ctx.out(`  ${formatJst(entry.at)}  ${entry.kind}${entry.by === undefined ? '' : ` by ${entry.by}`}${entry.days === undefined ? '' : ` (${entry.days} day(s))`}${entry.reason === undefined ? '' : `: ${entry.reason}`}`);
    }
    for (const reason of request.reasons) ctx.out(`  reason: ${reason}`);
    if (preview !== undefined) for (const line of previewLines(preview)) ctx.out(`  ${line}`);
    return 0;
  },
};

const STATUSES: readonly string[] = ['received', 'completed', 'partially-completed', 'refused', 'failed', 'rejected', 'withdrawn', 'awaiting-approval'];

export const requestListCommand: CliCommand = {
  path: ['request', 'list'],
  options: {
    status: { type: 'string', value: 'S', description: `only this status (${STATUSES.join(', ')})` },
    overdue: { type: 'boolean', description: 'only open requests past their deadline (a paused one is not)' },
    controller: { type: 'string', value: 'ID', description: 'only this controller\'s' },
  },
  usage: 'request list [--status S] [--overdue] [--controller ID]   the requests kept, oldest first',
  async run(ctx) {
    const status = optionString(ctx.args, 'status');
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new ValidationError('the requests cannot be listed', [{ path: '--status', message: `must be one of ${STATUSES.join(', ')}` }]);
    }
    const controller = optionString(ctx.args, 'controller');
    const runtime = await ctx.runtime();
    if (controller !== undefined && !runtime.deps.catalogue.controllers.some((c) => c.id === controller)) {
      throw new ValidationError('the requests cannot be listed', [{ path: '--controller', message: `"${controller}" is not a controller of the catalogue` }]);
    }
    const now = runtime.deps.clock.now();
    const all = await runtime.requestDeps.requests.listAll();
    const shown = all.filter(
      (r) =>
        (status === undefined ||
          (status === 'awaiting-approval' ? r.status === 'received' && r.approval?.state === 'pending' : r.status === (status as RequestStatus))) &&
        (ctx.args.options.overdue !== true || (r.status === 'received' && r.pausedSince === undefined && openRequestState(r, now) !== 'on-time')) &&
        (controller === undefined || r.controllerId === controller),
    );
    if (ctx.json) {
      ctx.out(JSON.stringify(shown.map(({ sealed: _s, ...r }) => ({ ...r, standing: requestStanding(r, now) })), null, 2));
      return 0;
    }
    for (const r of shown) {
      ctx.out(`${r.requestId}  ${r.type}  ${requestStanding(r, now)}  due ${formatJst(r.deadline)}  ${r.controllerId ?? '-'}  filed by ${r.filedBy ?? '-'}`);
    }
    ctx.out(`${shown.length} of ${all.length} request(s)`);
    return 0;
  },
};

export const requestNoticeCommand: CliCommand = {
  path: ['request', 'notice'],
  positionals: ['REQUEST_ID'],
  options: {
    extension: { type: 'boolean', description: 'the extension notice (延長通知) instead of the decision\'s' },
    controller: { type: 'string', value: 'ID', description: 'the controller issuing it, when the request names none' },
    serial: { type: 'string', value: 'N', description: 'serial of the document number (blank to write by hand)' },
    out: { type: 'string', value: 'FILE', description: 'where to write the HTML (default: notices/ in the state directory)' },
  },
  usage: 'request notice REQUEST_ID [--extension] [--serial N] [--out FILE]   the decision notice (決定通知書) as printable A4 HTML, in the controller\'s wording',
  async run(ctx) {
    const problems: Problem[] = [];
    const requestId = requestIdOf(ctx, problems);
    const serial = optionString(ctx.args, 'serial');
    if (serial !== undefined && !/^[0-9０-９-]{1,12}$/.test(serial)) problems.push({ path: '--serial', message: 'must be 1 to 12 digits' });
    const outOption = optionString(ctx.args, 'out');
    if (problems.length > 0) throw new ValidationError('no notice to write', problems);
    const runtime = await ctx.runtime();
    const request = await runtime.requestDeps.requests.get(requestId);
    if (request === undefined) {
      throw new ValidationError(`request ${requestId} does not exist`, [{ path: 'REQUEST_ID', message: 'no such request (wasure request list shows them)' }]);
    }
    const controllerId = optionString(ctx.args, 'controller');
    const { kind, html } = renderRequestNotice(runtime.deps.catalogue, request, {
      occasion: ctx.args.options.extension === true ? 'extension' : 'decision',
      ...(controllerId === undefined ? {} : { controllerId }),
      ...(serial === undefined ? {} : { serial }),
    });
    const file = outOption === undefined ? join(ctx.stateDir, 'notices', `${requestId}-${kind}.html`) : resolve(outOption);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, html);
    if (ctx.json) ctx.out(JSON.stringify({ requestId, kind, file }, null, 2));
    else ctx.out(`request ${requestId}: ${NOTICE_TITLES[kind]} written to ${file} (print it on A4)`);
    return 0;
  },
};

/** What each notice is called, for the line that says where it went. */
const NOTICE_TITLES: Readonly<Record<NoticeKind, string>> = {
  disclosure: '開示決定通知書',
  'partial-disclosure': '部分開示決定通知書',
  'non-disclosure': '不開示決定通知書',
  correction: '訂正決定通知書',
  'non-correction': '不訂正決定通知書',
  suspension: '利用停止等決定通知書',
  'non-suspension': '利用不停止決定通知書',
  extension: '決定期限延長通知書',
};
