/**
 * What the console does, each over the use case the CLI calls (no second
 * implementation): the use cases check and audit, naming the operator of
 * the session. The API and the pages both call these.
 */
import { requestStanding, type SubjectRequest } from '#shared/domain/requests.ts';
import { NotFoundError } from '#shared/errors.ts';
import type { ChainedEvent } from '#shared/domain/audit-chain.ts';
import { renderRequestNotice } from '#shared/use-cases/decision-notice.ts';
import { addHold, type HoldTarget, removeHold } from '#shared/use-cases/manage-holds.ts';
import {
  decideRequest,
  type ErasurePreview,
  extendRequest,
  pauseRequest,
  previewErasure,
  resumeRequest,
} from '#shared/use-cases/request-decisions.ts';
import { renderPublicRegister } from '#shared/use-cases/render-register.ts';
import { registerRequest, type RequestInput } from '#shared/use-cases/subject-requests.ts';
import { type AuditVerdict, verifyAudit } from '#shared/use-cases/verify-audit.ts';
import type { ConsoleBackend } from './backend.ts';

/** A request as the console shows it: without its sealed values. */
export type ShownRequest = Omit<SubjectRequest, 'sealed'> & { readonly standing: string };

/** One event of a request's audit trail, as its page shows it (no hashes, no details but its step). */
export interface TrailEntry {
  readonly seq: number;
  readonly time: string;
  readonly action: string;
  readonly actor: string;
  readonly outcome: string;
  readonly recordId?: string;
  readonly step?: string;
}

/** The actor of an audited console action that is not a request decision. */
export const actorOf = (operator: string): string => `operator:${operator}`;

const shown = ({ sealed: _sealed, ...rest }: SubjectRequest, now: Date): ShownRequest => ({ ...rest, standing: requestStanding(rest, now) });

/** The console's actions over one backend (embedded stores, or a deployed stack). */
export class ConsoleActions {
  constructor(readonly runtime: ConsoleBackend) {}

  now(): Date {
    return this.runtime.deps.clock.now();
  }

  /** The catalogue in force. */
  get catalogue() {
    return this.runtime.deps.catalogue;
  }

  async listRequests(): Promise<ShownRequest[]> {
    const now = this.now();
    return (await this.runtime.requestDeps.requests.listAll()).map((r) => shown(r, now));
  }

  /** One request with its trail and, for a pending erasure, its preview. */
  async showRequest(requestId: string): Promise<ShownRequest & { preview?: ErasurePreview; trail: TrailEntry[] }> {
    const request = await this.load(requestId);
    const preview = request.type === 'erase' && request.status === 'received' ? await previewErasure(this.runtime.requestDeps, request) : undefined;
    return { ...shown(request, this.now()), trail: await this.trailOf(request), ...(preview === undefined ? {} : { preview }) };
  }

  /**
   * The request's events in the audit trail, oldest first: the subject's
   * events (by pseudonym) that name it — its
   * registration, decisions, execution steps and ending, and what its
   * erasure did (`cause: request:ID`).
   */
  private async trailOf(request: SubjectRequest): Promise<TrailEntry[]> {
    const events = await this.runtime.audit.readEvents({ subjectPseudonym: request.subjectPseudonym });
    const cause = `request:${request.requestId}`;
    return events
      .filter((e) => e.details?.requestId === request.requestId || e.details?.cause === cause)
      .map((e) => ({
        seq: e.seq,
        time: e.time,
        action: e.action,
        actor: e.actor,
        outcome: e.outcome,
        ...(e.recordId === undefined ? {} : { recordId: e.recordId }),
        ...(typeof e.details?.decision === 'string' ? { step: e.details.decision } : typeof e.details?.status === 'string' ? { step: e.details.status } : {}),
      }));
  }

  /** Files a request as `operator`; carries it out at once unless it waits for approval. */
  async fileRequest(operator: string, input: Omit<RequestInput, 'requestId' | 'operator'>): Promise<ShownRequest & { preview?: ErasurePreview }> {
    const request = await registerRequest(this.runtime.requestDeps, {
      ...input,
      // Generated, never typed in: a request id travels in URLs, so it must not carry personal data.
      requestId: `req-${this.runtime.deps.ids.next()}`,
      operator,
    });
    if (request.approval !== undefined && request.approval.state !== 'approved') return this.showRequest(request.requestId);
    return shown(await this.execute(request), this.now());
  }

  /** Approves (then carries out), rejects or withdraws, as `operator`. */
  async decide(operator: string, requestId: string, decision: 'approve' | 'reject' | 'withdraw', reason?: string): Promise<ShownRequest> {
    const decided = await decideRequest(this.runtime.requestDeps, { requestId, operator, decision, ...(reason === undefined || reason === '' ? {} : { reason }) });
    return shown(decision === 'approve' ? await this.execute(decided) : decided, this.now());
  }

  async extend(operator: string, requestId: string, days: number, reason: string): Promise<ShownRequest> {
    return shown(await extendRequest(this.runtime.requestDeps, { requestId, operator, days, reason }), this.now());
  }

  async pause(operator: string, requestId: string, reason: string): Promise<ShownRequest> {
    return shown(await pauseRequest(this.runtime.requestDeps, { requestId, operator, reason }), this.now());
  }

  async resume(operator: string, requestId: string): Promise<ShownRequest> {
    return shown(await resumeRequest(this.runtime.requestDeps, { requestId, operator }), this.now());
  }

  /** The printable decision notice (HTML). */
  async notice(requestId: string, occasion: 'decision' | 'extension'): Promise<string> {
    return renderRequestNotice(this.catalogue, await this.load(requestId), { occasion }).html;
  }

  addHold(operator: string, target: HoldTarget, reason: string) {
    return addHold(this.runtime.deps, { target, reason, actor: actorOf(operator) });
  }

  removeHold(operator: string, target: HoldTarget, holdId: string | undefined) {
    return removeHold(this.runtime.deps, { target, actor: actorOf(operator), ...(holdId === undefined ? {} : { holdId }) });
  }

  /** Verifies the trail from the saved cursor (or all of it); writes nothing. */
  verify(full: boolean): Promise<AuditVerdict> {
    return verifyAudit(this.runtime.verifier ?? this.runtime.audit, { full, persist: false, budgetMs: 20_000 });
  }

  /**
   * Audit events, of one subject when given (by its pseudonym), without
   * their hashes. Reading one subject's log is itself audited: a
   * `console-action` naming the operator, with the subject's pseudonym.
   */
  async auditLog(operator: string, query: { subjectId?: string; since?: string; limit?: number }): Promise<Omit<ChainedEvent, 'leafHash' | 'prevHash'>[]> {
    const subjectPseudonym = query.subjectId === undefined ? undefined : await this.runtime.audit.pseudonymizer.pseudonym(query.subjectId);
    const events = await this.runtime.audit.readEvents({
      ...(subjectPseudonym === undefined ? {} : { subjectPseudonym }),
      ...(query.since === undefined ? {} : { since: new Date(query.since).toISOString() }),
      limit: query.limit ?? 200,
    });
    if (subjectPseudonym !== undefined) await this.auditAction(operator, 'audit-log-viewed', { events: events.length }, { subjectPseudonym });
    return events.map(({ leafHash: _l, prevHash: _p, ...e }) => e);
  }

  /**
   * Audits a console session's start, refusal or end, naming the operator
   * (who named themself with a valid one-time token, or claimed a name with
   * an unknown, used or expired one).
   */
  auditSession(operator: string, step: 'login' | 'login-refused' | 'logout'): Promise<void> {
    return this.audited('console-session', operator, step, {}, { outcome: step === 'login-refused' ? 'refused' : 'ok' });
  }

  /**
   * Audits a console action that no use case audits (a dry run, a download,
   * a subject's log read): a `console-action` event naming the operator,
   * with the step and its counts or ids (never a subject id: its pseudonym).
   */
  auditAction(
    operator: string,
    step: string,
    details: Readonly<Record<string, string | number | boolean>> = {},
    options: { readonly outcome?: 'ok' | 'refused'; readonly subjectPseudonym?: string } = {},
  ): Promise<void> {
    return this.audited('console-action', operator, step, details, options);
  }

  private async audited(
    action: 'console-session' | 'console-action',
    operator: string,
    step: string,
    details: Readonly<Record<string, string | number | boolean>>,
    options: { readonly outcome?: 'ok' | 'refused'; readonly subjectPseudonym?: string },
  ): Promise<void> {
    await this.runtime.audit.append([
      {
        action,
        actor: actorOf(operator),
        policyVersion: this.runtime.deps.catalogue.version,
        outcome: options.outcome ?? 'ok',
        ...(options.subjectPseudonym === undefined ? {} : { subjectPseudonym: options.subjectPseudonym }),
        details: { step, operator, ...details },
      },
    ]);
    await this.runtime.audit.integrate();
  }

  /** The public register (公表事項). */
  register(format: 'html' | 'md' | 'csv') {
    return renderPublicRegister(this.runtime.deps, { format });
  }

  private async load(requestId: string): Promise<SubjectRequest> {
    const request = await this.runtime.requestDeps.requests.get(requestId);
    if (request === undefined) throw new NotFoundError(`request ${requestId} does not exist`);
    return request;
  }

  /** Carries out a registered (and approved, where asked) request, as `wasure request` does. */
  private execute(request: SubjectRequest): Promise<SubjectRequest> {
    return this.runtime.run(request);
  }
}
