/**
 * Task handlers of the subject-request state machines. Payloads carry the
 * request id only; each step loads the request from its store, so no
 * personal data travels through Step Functions.
 */
import type { RequestType, SubjectRequest } from '#shared/domain/requests.ts';
import { instrument } from '#shared/logging.ts';
import { assertIsError, NotFoundError, ValidationError } from '#shared/errors.ts';
import type { ExportStore } from '#shared/ports/index.ts';
import {
  completeRequest,
  correctRecord,
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

type Executor = (deps: RequestTaskDeps, request: SubjectRequest) => Promise<Omit<ExecuteResult, 'requestId'>>;

const partial = (reasons: string[]) => (reasons.length > 0 ? 'partially-completed' : 'completed');

/** One executor per request type. */
export const EXECUTORS: Record<RequestType, Executor> = {
  export: async (deps, request) => {
    const { pkg, reasons } = await exportSubject(deps, request);
    const saved = await deps.exports.save(request.requestId, pkg.files);
    return {
      status: partial(reasons),
      outcome: { ...saved, files: pkg.files.length, records: pkg.recordCount, withheld: pkg.withheld.length, dataHeld: pkg.recordCount > 0 },
      reasons,
    };
  },
  correct: async (deps, request) => {
    const p = request.params as { recordId?: string; set?: Record<string, unknown>; unset?: string[] };
    if (typeof p.recordId !== 'string') {
      return { status: 'refused', outcome: {}, reasons: ['a correction names the record to correct'] };
    }
    try {
      const { changed } = await correctRecord(deps, request, { recordId: p.recordId, set: p.set ?? {}, unset: p.unset ?? [] });
      return { status: 'completed', outcome: { recordId: p.recordId, changed }, reasons: [] };
    } catch (error) {
      assertIsError(error);
      if (error instanceof ValidationError) {
        return { status: 'refused', outcome: { recordId: p.recordId }, reasons: error.problems.map((x) => `${x.path}: ${x.message}`) };
      }
      if (error instanceof NotFoundError) {
        return { status: 'refused', outcome: { recordId: p.recordId }, reasons: [error.message] };
      }
      throw error;
    }
  },
  erase: async (deps, request) => {
    const r = await eraseSubject(deps, request);
    const reasons = r.kept.map((k) => `record ${k.recordId} ${k.reason}`);
    return { status: partial(reasons), outcome: { erased: r.erased, kept: r.kept.map((k) => k.recordId), keyDestroyed: r.keyDestroyed }, reasons };
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
    const records = await deps.records.listBySubject(request.subjectId);
    return {
      status: 'completed',
      outcome: { provisionStopped: true, recordsConcerned: records.length },
      reasons: [],
    };
  },
  purposes: async (deps, request) => ({ status: 'completed', outcome: await purposesNotice(deps, request), reasons: [] }),
};

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
        if (request.status !== 'received') {
          // A rerun of a finished request answers what was decided.
          return { requestId: request.requestId, status: request.status, outcome: request.outcome ?? {}, reasons: [...request.reasons] };
        }
        return { requestId: request.requestId, ...(await EXECUTORS[type](deps, request)) };
      },
    complete: async (event: ExecuteResult): Promise<RequestSummary> => {
      const done = await completeRequest(deps, event.requestId, { status: event.status, outcome: event.outcome, reasons: event.reasons });
      return { requestId: done.requestId, type: done.type, status: done.status, reasonCount: done.reasons.length };
    },
  };
  return {
    ...instrument('request', { load: tasks.load, complete: tasks.complete }, deps.log, {
      load: (r) => ({ requestId: r.requestId, type: r.type, status: r.status }),
      complete: (r) => ({ ...r }),
    }),
    execute: (type: RequestType) =>
      instrument('request', { execute: tasks.execute(type) }, deps.log, {
        execute: (r) => ({ requestId: r.requestId, type, status: r.status, reasonCount: r.reasons.length }),
      }).execute,
  };
}
