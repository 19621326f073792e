/**
 * What the console runs over: the same ports the CLI composes, and how a
 * registered request is carried out — locally its synthesized state machine
 * runs in this process; on AWS its execution is started and the console
 * returns at once (the request's standing then follows the workflow).
 */
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import type { ExportStore } from '#shared/ports/index.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import type { RequestDeps } from '#shared/use-cases/subject-requests.ts';
import type { LocalSweepOptions, LocalSweepReport } from '../local/local-sweep.ts';

/** The ports and the request runner of one console. */
export interface ConsoleBackend {
  /** Where it runs: the embedded stores, or a deployed stack's resources. */
  readonly mode: 'embedded' | 'deployed';
  readonly deps: LifecycleDeps;
  readonly requestDeps: RequestDeps;
  /** The audit trail (append, read). */
  readonly audit: DynamoAuditTrail;
  /**
   * The trail with the checkpoint signer, to verify checkpoint signatures
   * and the verifier's saved cursor (on AWS: `kms:Verify` only — the key
   * policy lets only the checkpointer sign). @default `audit`
   */
  readonly verifier?: DynamoAuditTrail;
  /** Where disclosure packages are kept, for the console's download links; absent: none offered. */
  readonly exports?: ExportStore;
  /** Runs the retention sweep's state machine in this process (embedded only; on AWS the schedule and `wasure sweep --stack` run it). */
  readonly sweep?: (options: LocalSweepOptions) => Promise<LocalSweepReport>;
  /** Carries out a registered (and, where asked, approved) request; returns it as it stands afterwards. */
  run(request: SubjectRequest): Promise<SubjectRequest>;
}
