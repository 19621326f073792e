/**
 * Task handlers of the subject-request state machines. Payloads carry the
 * request id only; each step loads the request from its store, so no
 * personal data travels through Step Functions.
 */
import type { AuditReader, Checkpointer } from '#shared/ports/audit.ts';
import type { RequestType, SubjectRequest } from '#shared/domain/requests.ts';
import { assertApproved } from '#shared/domain/request-approval.ts';
import { owesOnwardNotice } from '#shared/domain/onward-notice.ts';
import { requestDecidedEvent } from '#shared/domain/request-event.ts';
import { instrument } from '#shared/logging.ts';
import { assertIsError, ConfigError, LifecycleError, NotFoundError, ValidationError } from '#shared/errors.ts';
import type { ExportStore } from '#shared/ports/index.ts';
import type { RequestEvents } from '#shared/ports/request-events.ts';
import { draftOnwardNotices } from '#shared/use-cases/onward-notices.ts';
import {
  checkOpenRequests,
  completeRequest,
  correctionOf,
  correctRecord,
  failRequest,
  type OverdueRequest,
  eraseSubject,
  exportSubject,
  purposesNotice,
  type RequestDeps,
  setRestriction,
} from '#shared/use-cases/subject-requests.ts';

/** What the request handlers need. */
export interface RequestTaskDeps extends RequestDeps {
  /** Where disclosure packages go. */
  readonly exports: ExportStore;
  /**
   * The trail with the checkpoint signer, when this process may sign (the
   * local CLI): a local erase request then signs the checkpoint its receipt
   * needs. On AWS only the checkpointer function signs.
   */
  readonly checkpointer?: Checkpointer;
  /** Where the outcome of each request is published (EventBridge; a file locally); none: not published. */
  readonly events?: RequestEvents;
}

/** Event of every request task. */
export interface RequestEvent {
  readonly requestId: string;
}

/** Result of the execute step, input of the complete step. */
export interface ExecuteResult {
  readonly requestId: string;
  readonly status: SubjectRequest['status'];
  readonly outcome: Record<string, unknown>;
  readonly reasons: string[];
}

/**
 * Output of the complete step, the execution's output: what an operator
 * needs to find the request, nothing of its subject (the full request,
 * with its parameters and outcome, stays in the requests table).
 */
export interface RequestSummary {
  readonly requestId: string;
  readonly type: RequestType;
  readonly status: SubjectRequest['status'];
  readonly reasonCount: number;
}

/**
 * Input of the failure-completion step: the request id, the workflow's
 * type (a constant of the definition) and the error Step Functions caught
 * (its `Cause`, the error message, is never stored).
 */
export interface FailEvent extends RequestEvent {
  readonly type: RequestType;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** What the scheduled overdue check found (no personal data). */
export interface OverdueReport {
  readonly overdue: number;
  readonly lapsed: number;
  readonly requests: readonly OverdueRequest[];
}

type Executor = (deps: RequestTaskDeps, request: SubjectRequest) => Promise<Omit<ExecuteResult, 'requestId'>>;

const partial = (reasons: string[]) => (reasons.length > 0 ? 'partially-completed' : 'completed');

/** One executor per request type. */
export const EXECUTORS: Record<RequestType, Executor> = {
  export: async (deps, request) => {
    const { pkg, reasons } = await exportSubject(deps, request);
    const saved = await deps.exports.save(request.requestId, pkg.files);
    return {
      status: partial(reasons),
      outcome: { ...saved, files: pkg.files.length, records: pkg.recordCount, quarantinedLines: pkg.quarantinedLines, withheld: pkg.withheld.length, withheldItems: pkg.withheld.map((w) => ({ recordId: w.recordId, field: w.field, ground: w.ground })), dataHeld: pkg.recordCount + pkg.quarantinedLines > 0 },
      reasons,
    };
  },
  correct: async (deps, request) => {
    const change = await correctionOf(deps, request);
    if (change === undefined) {
      return { status: 'refused', outcome: {}, reasons: ['a correction names the record to correct'] };
    }
    try {
      const { changed } = await correctRecord(deps, request, change);
      return { status: 'completed', outcome: { recordId: change.recordId, changed }, reasons: [] };
    } catch (error) {
      assertIsError(error);
      if (error instanceof ValidationError) {
        return { status: 'refused', outcome: { recordId: change.recordId }, reasons: error.problems.map((x) => `${x.path}: ${x.message}`) };
      }
      if (error instanceof NotFoundError) {
        return { status: 'refused', outcome: { recordId: change.recordId }, reasons: [error.message] };
      }
      throw error;
    }
  },
  erase: async (deps, request) => {
    const r = await eraseSubject(deps, request);
    const reasons = r.kept.map((k) => `record ${k.recordId} ${k.reason}`);
    return { status: partial(reasons), outcome: { erased: r.erased, kept: r.kept.map((k) => k.recordId), keyDestroyed: r.keyDestroyed, quarantineLines: r.quarantineLines, exportPackages: r.exportPackages }, reasons };
  },
  restrict: async (deps, request) => {
    const r = await setRestriction(deps, request, true);
    return { status: 'completed', outcome: { restricted: r.recordIds }, reasons: [] };
  },
  'lift-restriction': async (deps, request) => {
    const r = await setRestriction(deps, request, false);
    return { status: 'completed', outcome: { resumed: r.recordIds }, reasons: [] };
  },
  'stop-provision': async (deps, request) => {
    const records = await deps.records.listBySubject(request.subjectPseudonym);
    return {
      status: 'completed',
      outcome: { provisionStopped: true, recordsConcerned: records.length },
      reasons: [],
    };
  },
  purposes: async (deps, request) => ({ status: 'completed', outcome: await purposesNotice(deps, request), reasons: [] }),
};

const summary = (done: SubjectRequest): RequestSummary => ({
  requestId: done.requestId,
  type: done.type,
  status: done.status,
  reasonCount: done.reasons.length,
});

/** The trail to read provision events from: the writer's, when it reads too (every composed trail does). */
function trailOf(deps: RequestTaskDeps): Pick<AuditReader, 'readEvents'> {
  const audit = deps.audit as Partial<AuditReader>;
  if (typeof audit.readEvents === 'function') return audit as Pick<AuditReader, 'readEvents'>;
  if (deps.checkpointer !== undefined) return deps.checkpointer;
  throw new ConfigError('the request tasks were given an audit trail that cannot be read (onward notices need the provision events)');
}

async function loadRequest(deps: RequestTaskDeps, requestId: string): Promise<SubjectRequest> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  return request;
}

/** The handlers of the request state machines. */
export function requestTasks(deps: RequestTaskDeps) {
  const tasks = {
    load: async (event: RequestEvent): Promise<RequestEvent & { type: string; status: string }> => {
      const request = await loadRequest(deps, event.requestId);
      assertApproved(request);
      return { requestId: request.requestId, type: request.type, status: request.status };
    },
    execute:
      (type: RequestType) =>
      async (event: RequestEvent): Promise<ExecuteResult> => {
        const request = await loadRequest(deps, event.requestId);
        if (request.type !== type) {
          throw new ValidationError(`request ${event.requestId} is a ${request.type} request`, [
            { path: 'requestId', message: `started on the ${type} workflow` },
          ]);
        }
        assertApproved(request);
        if (request.status !== 'received') {
          // A rerun of a finished request answers what was decided.
          return { requestId: request.requestId, status: request.status, outcome: request.outcome ?? {}, reasons: [...request.reasons] };
        }
        return { requestId: request.requestId, ...(await EXECUTORS[type](deps, request)) };
      },
    complete: async (event: ExecuteResult): Promise<RequestSummary> => {
      if (event.status === 'received' || event.status === 'failed') {
        throw new ValidationError(`request ${event.requestId} cannot be completed as ${event.status}`, [
          { path: 'status', message: 'an execute step ends a request as completed, partially completed or refused' },
        ]);
      }
      const ended = await completeRequest(deps, event.requestId, { status: event.status, outcome: event.outcome, reasons: event.reasons });
      // Both steps are safe to repeat: a rerun drafts nothing twice and publishes again (at least once).
      const done = owesOnwardNotice(ended) ? await draftOnwardNotices({ ...deps, trail: trailOf(deps) }, ended.requestId) : ended;
      await deps.events?.publish(requestDecidedEvent(done));
      return summary(done);
    },
    fail: async (event: FailEvent): Promise<RequestSummary> =>
      summary(await failRequest(deps, { requestId: event.requestId, type: event.type, ...(event.error?.Error === undefined ? {} : { error: event.error.Error }) })),
    checkOverdue: async (_event: unknown): Promise<OverdueReport> => {
      const requests = await checkOpenRequests(deps);
      return { overdue: requests.filter((r) => r.state === 'overdue').length, lapsed: requests.filter((r) => r.state === 'lapsed').length, requests };
    },
  };
  const logged = instrument('request', { load: tasks.load, complete: tasks.complete, fail: tasks.fail, checkOverdue: tasks.checkOverdue }, deps.log, {
    load: (r) => ({ requestId: r.requestId, type: r.type, status: r.status }),
    complete: (r) => ({ ...r }),
    fail: (r) => ({ ...r }),
    checkOverdue: (r) => ({ overdue: r.overdue, lapsed: r.lapsed }),
  });
  return {
    load: logged.load,
    complete: logged.complete,
    fail: logged.fail,
    /**
     * The scheduled overdue check: a request left open past its deadline
     * plus the grace fails the invocation (after its freeze lapsed), which
     * the overdue-request alarm watches.
     */
    checkOverdue: async (event: unknown): Promise<OverdueReport> => {
      const report = await logged.checkOverdue(event);
      if (report.lapsed > 0) {
        const ids = report.requests.filter((r) => r.state === 'lapsed').map((r) => r.requestId);
        throw new LifecycleError(`${report.lapsed} subject request(s) left open past deadline + grace; their freeze lapsed: ${ids.join(', ')}`);
      }
      return report;
    },
    execute: (type: RequestType) =>
      instrument('request', { execute: tasks.execute(type) }, deps.log, {
        execute: (r) => ({ requestId: r.requestId, type, status: r.status, reasonCount: r.reasons.length }),
      }).execute,
  };
}
