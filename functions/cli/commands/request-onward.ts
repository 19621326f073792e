/**
 * `wasure request onward`: the third parties a correction or erasure must
 * be passed on to (APPI Art. 97), the draft letter to each, and marking
 * one sent.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';
import { draftOnwardNotices, markOnwardSent, onwardLetters } from '#shared/use-cases/onward-notices.ts';
import { optionString, withOptionPaths } from '../args.ts';
import { operatorOptionProblems, requiredOperator } from '../operator.ts';
import { requestIdOf } from './request-admin.ts';
import type { CliCommand, CliContext } from '../types.ts';

const OPTION_OF: Readonly<Record<string, string>> = { operator: '--operator', recipientId: '--sent', requestId: 'REQUEST_ID' };

/** A use case's refusal, its paths named as this command's options. */
const asOptions = <T>(promise: Promise<T>): Promise<T> => withOptionPaths(promise, OPTION_OF);

/** What the command checks before any store opens. */
function inputOf(ctx: CliContext): { requestId: string; sent?: string; out?: string } {
  const problems: Problem[] = [];
  const requestId = requestIdOf(ctx, problems);
  const sent = optionString(ctx.args, 'sent');
  if (sent !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(sent)) {
    problems.push({ path: '--sent', message: `"${sent.slice(0, 40)}" is not a recipient id of the catalogue` });
  }
  problems.push(...operatorOptionProblems(ctx));
  const out = optionString(ctx.args, 'out');
  if (out !== undefined && out.trim() === '') problems.push({ path: '--out', message: 'must name a directory' });
  if (problems.length > 0) throw new ValidationError('no onward notice to handle', problems);
  return { requestId, ...(sent === undefined ? {} : { sent }), ...(out === undefined ? {} : { out }) };
}

/** One recipient's line: its notices' state, who sent them, the draft. */
function summaryOf(request: SubjectRequest, recipientId: string, name: string, file: string) {
  const own = (request.onward ?? []).filter((n) => n.recipientId === recipientId);
  const sent = own.every((n) => n.state === 'sent');
  return {
    recipientId,
    name,
    state: sent ? ('sent' as const) : ('drafted' as const),
    provisions: own.length,
    ...(sent ? { sentAt: own[0]?.sentAt, sentBy: own[0]?.sentBy } : {}),
    file,
  };
}

export const requestOnwardCommand: CliCommand = {
  path: ['request', 'onward'],
  positionals: ['REQUEST_ID'],
  options: {
    sent: { type: 'string', value: 'RECIPIENT_ID', description: 'mark the notice to this recipient sent' },
    operator: { type: 'string', value: 'ID', description: 'who sent it (or WASURE_OPERATOR; on a stack, the caller)' },
    out: { type: 'string', value: 'DIR', description: 'where to write the drafts (default: onward/REQUEST_ID/ in the state directory)' },
  },
  usage:
    'request onward REQUEST_ID [--out DIR] | --sent RECIPIENT_ID --operator ID   the third parties a correction or erasure is passed on to (APPI Art. 97): a draft A4 letter to each, or mark one sent',
  async run(ctx) {
    const input = inputOf(ctx);
    const runtime = await ctx.runtime();
    const deps = runtime.requestDeps;
    if (input.sent !== undefined) {
      const operator = await requiredOperator(ctx, runtime, { why: 'marking a notice sent names who sent it' });
      const done = await asOptions(markOnwardSent(deps, { requestId: input.requestId, recipientId: input.sent, operator }));
      if (ctx.json) ctx.out(JSON.stringify({ requestId: done.requestId, recipientId: input.sent, state: 'sent', sentBy: operator }, null, 2));
      else ctx.out(`request ${done.requestId}: the notice to ${input.sent} is marked sent by ${operator}`);
      return 0;
    }
    if ((await deps.requests.get(input.requestId)) === undefined) {
      throw new ValidationError(`request ${input.requestId} does not exist`, [{ path: 'REQUEST_ID', message: 'no such request (wasure request list shows them)' }]);
    }
    // Drafts once (a request completed before onward notices existed gets them now).
    const request = await asOptions(draftOnwardNotices({ ...deps, trail: runtime.audit }, input.requestId));
    const dir = input.out === undefined ? join(ctx.stateDir, 'onward', input.requestId) : resolve(input.out);
    const letters = await onwardLetters(deps, request);
    if (letters.length > 0) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
    const rows = [];
    for (const letter of letters) {
      const file = join(dir, `${letter.recipientId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`);
      await writeFileAtomic(file, letter.html);
      const name = deps.catalogue.recipients.find((r) => r.id === letter.recipientId)?.name.ja ?? letter.recipientId;
      rows.push(summaryOf(request, letter.recipientId, name, file));
    }
    if (ctx.json) {
      ctx.out(JSON.stringify({ requestId: request.requestId, type: request.type, status: request.status, recipients: rows }, null, 2));
    } else if (rows.length === 0) {
      ctx.out(`request ${request.requestId}: the subject's data was provided to no third party; there is nobody to notify`);
    } else {
      ctx.out(`request ${request.requestId} (${request.type}): ${rows.length} recipient(s) to notify; drafts in ${dir}`);
      for (const r of rows) {
        ctx.out(`  ${r.recipientId} (${r.name}): ${r.state}${r.state === 'sent' ? ` by ${r.sentBy ?? '?'} at ${r.sentAt ?? '?'}` : ''}, ${r.provisions} provision(s)`);
      }
    }
    return 0;
  },
};
