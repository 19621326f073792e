/**
 * The request ledger in memory, as DynamoRequestStore keeps the requests
 * table: create only when the id is absent (false otherwise), update only
 * at the expected version (ConflictError otherwise), the subject index in
 * `receivedAt` order, and the open index of `received` requests by
 * deadline. An update given audit events stages them through the outbox
 * in the same commit (both or neither).
 */
import type { SubjectRequest } from '../../domain/requests.ts';
import { ConflictError } from '../../errors.ts';
import type { AuditEventInput } from '../../ports/index.ts';
import type { RequestLedger } from '../../use-cases/subject-requests.ts';
import type { Faults } from './faults.ts';
import type { MemoryOutbox } from './memory-audit-trail.ts';

const byKey =
  (key: 'receivedAt' | 'deadline') =>
  (a: SubjectRequest, b: SubjectRequest): number =>
    a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0;

/** In-memory {@link RequestLedger}. */
export class MemoryRequestStore implements RequestLedger {
  private readonly items = new Map<string, SubjectRequest>();

  constructor(
    private readonly faults: Faults,
    private readonly outbox?: MemoryOutbox,
  ) {}

  get(requestId: string): Promise<SubjectRequest | undefined> {
    return this.faults.run('requests.get', () => structuredClone(this.items.get(requestId)));
  }

  create(request: SubjectRequest): Promise<boolean> {
    return this.faults.run('requests.create', () => {
      if (this.items.has(request.requestId)) {
        return false;
      }
      this.items.set(request.requestId, structuredClone(request));
      return true;
    });
  }

  async update(request: SubjectRequest, expectedVersion: number, audit: readonly AuditEventInput[] = []): Promise<void> {
    if (audit.length > 0 && this.outbox === undefined) {
      throw new Error('this request store was built without an audit outbox; it cannot write audit events');
    }
    const staged = audit.length === 0 ? [] : await (this.outbox as MemoryOutbox).stage(audit);
    await this.faults.run('requests.update', () => {
      if (this.items.get(request.requestId)?.version !== expectedVersion) {
        throw new ConflictError(`request ${request.requestId} is not at version ${expectedVersion}`);
      }
      this.items.set(request.requestId, structuredClone(request));
      this.outbox?.commit(staged);
    });
  }

  listBySubject(subjectPseudonym: string): Promise<SubjectRequest[]> {
    return this.faults.run('requests.listBySubject', () =>
      structuredClone([...this.items.values()].filter((r) => r.subjectPseudonym === subjectPseudonym)).sort(
        byKey('receivedAt'),
      ),
    );
  }

  listOpen(deadlineBefore: string): Promise<SubjectRequest[]> {
    return this.faults.run('requests.listOpen', () =>
      structuredClone([...this.items.values()].filter((r) => r.status === 'received' && r.deadline < deadlineBefore)).sort(
        byKey('deadline'),
      ),
    );
  }

  listAll(): Promise<SubjectRequest[]> {
    return this.faults.run('requests.listAll', () => structuredClone([...this.items.values()]).sort(byKey('receivedAt')));
  }
}
