import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LANDING_METADATA } from '#shared/domain/landing.ts';
import { ConfigError, ValidationError } from '#shared/errors.ts';
import type { LandingResult } from '#shared/use-cases/tag-landed-object.ts';
import { watchLanding } from '../../local/landing-watcher.ts';
import type { EmbeddedRuntime } from '../../runtime.ts';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isEnvelope } from '#shared/domain/envelope.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { addsUp } from '#shared/domain/sweep.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { runSweepLocally } from '../../local/local-sweep.ts';
import type { CliCommand, CliContext } from '../types.ts';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { decideRequest, previewErasure } from '#shared/use-cases/request-decisions.ts';
import { renderRequestNotice } from '#shared/use-cases/decision-notice.ts';
import { runEmbeddedRequest } from '../../local/local-request.ts';
import { previewLines } from './request.ts';
import { ingestFile, printIngestReport } from './ingest.ts';

const sample = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/samples/${name}`, import.meta.url));

/** Two landed documents: one tagged by its metadata, one without tags. */
async function landSamples(runtime: EmbeddedRuntime): Promise<LandingResult[]> {
  const watcher = watchLanding(runtime.embedded, runtime.deps);
  try {
    const put = (key: string, body: string, metadata: Record<string, string>) =>
      runtime.embedded.s3.send(
        new PutObjectCommand({ Bucket: runtime.embedded.names.landingBucket, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8', Metadata: metadata }),
      );
    await put('landing/gunma/consultation-2004.txt', '相談記録：設備投資の資金計画について', {
      [LANDING_METADATA.dataset]: 'gunma-consultations',
      [LANDING_METADATA.subject]: 'S-GNM-2004',
      [LANDING_METADATA.purposes]: 'gunma-consult',
      [LANDING_METADATA.recordId]: 'gnm-0004',
    });
    await put('landing/scan-unlabelled.txt', '（ラベルのないスキャン）', {});
    return (await watcher.idle()).flatMap((s) => s.results);
  } finally {
    watcher.stop();
  }
}

/** The file that marks a directory as a demo's own: only such a directory is emptied. */
export const DEMO_MARKER = '.wasure-demo';

/**
 * Refuses a state directory the demo may not empty: one that exists, holds
 * something, and has no {@link DEMO_MARKER} (a user's store, a home
 * directory). The default directory is the demo's own.
 */
export async function assertDemoMayEmpty(dir: string, isDefault: boolean): Promise<void> {
  if (isDefault) {
    return;
  }
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return [] as string[];
    }
    throw new ValidationError(`cannot use ${dir} for the demo`, [{ path: '--local', message: error.message }]);
  });
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new ValidationError(`${dir} is not empty and is not a demo directory`, [
      {
        path: '--local',
        message: `the demo empties its directory first; ${dir} holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} and no ${DEMO_MARKER} marker, so it is left alone (give an empty or new directory)`,
      },
    ]);
  }
}

export const demoCommand: CliCommand = {
  path: ['demo'],
  defaultDir: '.wasure/demo',
  examples: ['wasure demo', 'wasure demo --local /tmp/wasure-demo --json'],
  usage: 'demo                            end-to-end run on the seed-derived sample data',
  async run(ctx) {
    // The demo owns its state directory: start from nothing every time, but
    // only in a directory that is new, empty or marked as a demo's.
    await assertDemoMayEmpty(ctx.stateDir, ctx.args.options.local === undefined);
    await rm(ctx.stateDir, { recursive: true, force: true });
    await mkdir(ctx.stateDir, { recursive: true });
    await writeFile(join(ctx.stateDir, DEMO_MARKER), 'written by wasure demo: this directory is emptied by the next demo run\n');
    ctx.progress(`starting the embedded stores in ${ctx.stateDir} …`);
    const runtime = await ctx.runtime();
    if (runtime.mode !== 'embedded') {
      throw new ConfigError('the demo writes sample data and advances the clock: it runs on the embedded stores only, never on a deployed stack');
    }
    const { catalogue } = runtime.deps;
    const summary: Record<string, unknown> = {
      catalogue: {
        version: catalogue.version,
        datasets: catalogue.datasets.length,
        controllers: catalogue.controllers.length,
      },
    };
    if (!ctx.json) {
      ctx.out(
        `Policy catalogue ${catalogue.version}: ${catalogue.datasets.length} datasets of ${catalogue.controllers.length} controllers`,
      );
      ctx.out('');
      ctx.out('1. Ingest the sample records');
    }
    const good = await ingestFile(ctx, sample('records.jsonl'));
    if (!ctx.json) {
      printIngestReport(ctx, 'records.jsonl', good);
      ctx.out('');
      ctx.out('2. Ingest lines that must be refused (nothing of them is stored)');
    }
    const bad = await ingestFile(ctx, sample('records-refused.jsonl'));
    if (!ctx.json) {
      printIngestReport(ctx, 'records-refused.jsonl', bad);
      ctx.out('  Another system drops two documents into the landing bucket (landing/); the tagger takes them:');
    }
    summary.landing = await landSamples(runtime);
    if (!ctx.json) {
      for (const r of summary.landing as LandingResult[]) {
        ctx.out(
          `    ${r.key}: ${r.outcome === 'stored' ? `stored as a tagged record (${r.stored})` : `refused → ${r.quarantineKey} with its reasons`}`,
        );
      }
      ctx.out('');
      ctx.out('3. What is at rest: sensitive, My Number and financial fields are ciphertext');
    }
    const atRest: Record<string, string> = {};
    for (const recordId of ['stm-0001', 'tcg-pay-0001']) {
      const out = await runtime.embedded.dynamodb.send(
        new GetItemCommand({
          TableName: runtime.embedded.names.recordsTable,
          Key: marshall({ recordId }),
        }),
      );
      const item = out.Item === undefined ? {} : unmarshall(out.Item);
      for (const [field, value] of Object.entries(
        (item.sealed ?? {}) as Record<string, string>,
      )) {
        atRest[`${recordId}.${field}`] = isEnvelope(value)
          ? `${value.slice(0, 24)}… (AES-256-GCM envelope)`
          : 'NOT ENCRYPTED';
      }
    }
    if (!ctx.json) {
      for (const [k, v] of Object.entries(atRest)) {
        ctx.out(`  ${k}: ${v}`);
      }
    }
    if (!ctx.json) {
      ctx.out('');
      ctx.out('4. A legal hold on one overdue record (stm-0001), then the retention sweep');
    }
    const hold = await addHold(runtime.deps, {
      target: { recordId: 'stm-0001' },
      reason: 'litigation hold, case 2026-W-17',
      actor: 'admin:demo',
    });
    const now = runtime.deps.clock.now().toISOString();
    const dry = await runSweepLocally(
      { ...runtime.deps, checkpoint: () => runtime.audit.checkpoint() },
      { now, dryRun: true, stateDir: ctx.stateDir },
    );
    const sweep = await runSweepLocally(
      { ...runtime.deps, checkpoint: () => runtime.audit.checkpoint() },
      { now, dryRun: false, stateDir: ctx.stateDir },
    );
    if (!ctx.json) {
      ctx.out(`  dry run at ${formatJst(now)}: would purge ${dry.totals.purged}, nothing changed`);
      ctx.out(
        `  sweep: purged ${sweep.totals.purged} of ${sweep.totals.planned} due records, ` +
          `${sweep.totals.objectVersionsDeleted} document versions deleted, ${sweep.totals.keysDestroyed} subject keys destroyed (crypto-shredded)`,
      );
      for (const id of sweep.purged) {
        const tomb = await runtime.deps.records.get(id);
        ctx.out(`    erased ${id}: tombstone ${tomb?.status === 'erased' ? `(${tomb.dataset}, ${tomb.basis}, due ${tomb.dueAt === undefined ? '-' : formatJst(tomb.dueAt)})` : 'MISSING'}`);
      }
      for (const k of sweep.skipped) {
        ctx.out(`    kept ${k.recordId}: ${k.reason ?? k.decision}`);
      }
      ctx.out('');
      ctx.out('5. A subject asks for erasure; the prefecture decides it by 決裁 (one files, another approves)');
    }
    summary.request = await demoErasureRequest(ctx, runtime);
    if (!ctx.json) {
      ctx.out('');
      ctx.out('6. Verify the tamper-evident audit trail');
    }
    await runtime.audit.checkpoint();
    const verdict = await verifyAudit(runtime.audit);
    if (!ctx.json) {
      ctx.out(
        verdict.ok
          ? `  verified: ${verdict.eventsChecked} events, ${verdict.checkpointsChecked} signed checkpoints (subjects appear only as HMAC pseudonyms)`
          : `  FAILED: ${verdict.problem?.message}`,
      );
    }
    summary.sweep = { holdId: hold.hold.id, dryRun: dry.totals, totals: sweep.totals, purged: sweep.purged, kept: sweep.skipped };
    summary.audit = verdict;
    summary.ingest = {
      stored: good.stored.length,
      rejected: bad.rejected.map((r) => ({ line: r.line, recordId: r.recordId, problems: r.problems })),
      encryptedAtRest: atRest,
    };
    if (ctx.json) {
      ctx.out(JSON.stringify(summary, null, 2));
    }
    const request = summary.request as DemoRequest;
    const ok =
      request.selfApprovalRefused &&
      request.status === 'completed' &&
      request.erased.join() === request.previewed.join() &&
      good.rejected.length === 0 &&
      bad.stored.length === 0 &&
      sweep.totals.held === 1 &&
      addsUp(sweep.totals) &&
      verdict.ok;
    return ok ? 0 : 1;
  },
};

/** What the demo's erasure request showed. */
interface DemoRequest {
  readonly requestId: string;
  readonly previewed: readonly string[];
  readonly selfApprovalRefused: boolean;
  readonly status: string;
  readonly erased: readonly string[];
  readonly notice: string;
}

/**
 * An erasure request to a public body that puts erasures under approval:
 * filed by one operator, previewed, refused when the filer tries to
 * approve it, approved by a second operator, carried out by the erase
 * workflow, and answered with its decision notice.
 */
async function demoErasureRequest(ctx: CliContext, runtime: EmbeddedRuntime): Promise<DemoRequest> {
  const say = (line: string) => {
    if (!ctx.json) ctx.out(line);
  };
  const deps = runtime.requestDeps;
  const filed = await registerRequest(deps, {
    requestId: 'demo-erase-1',
    type: 'erase',
    subjectId: 'S-IBK-1002',
    requester: { kind: 'subject' },
    verification: { method: 'my-number-card', evidenceRef: 'desk-2026-118' },
    operator: 'clerk-01',
  });
  say(`  filed by clerk-01: request ${filed.requestId} (erase) to ${filed.controllerId}, approval ${filed.approval?.state ?? 'not needed'}; answer due ${formatJst(filed.deadline)}`);
  const preview = await previewErasure(deps, filed);
  for (const line of previewLines(preview)) say(`    ${line}`);
  const selfApproval = await decideRequest(deps, { requestId: filed.requestId, operator: 'clerk-01', decision: 'approve' }).then(
    () => undefined,
    (error: unknown) => (error instanceof ValidationError ? error : Promise.reject(error)),
  );
  say(`  clerk-01 tries to approve it: ${selfApproval === undefined ? 'ACCEPTED (four eyes broken)' : `refused: ${selfApproval.problems[0]?.message}`}`);
  const approved = await decideRequest(deps, { requestId: filed.requestId, operator: 'chief-07', decision: 'approve' });
  say(`  chief-07 approves it (${formatJst(approved.approval?.decidedAt as string)}); the erase workflow runs:`);
  const done = await runEmbeddedRequest(runtime, ctx.stateDir, filed);
  const erased = (done.outcome?.erased as string[] | undefined) ?? [];
  say(`    ${done.status}: erased ${erased.length === 0 ? 'nothing' : erased.join(', ')}; subject key ${done.outcome?.keyDestroyed === true ? 'destroyed' : 'kept'}`);
  const { kind, html } = renderRequestNotice(runtime.deps.catalogue, done);
  const notice = join(ctx.stateDir, 'notices', `${done.requestId}-${kind}.html`);
  await mkdir(join(ctx.stateDir, 'notices'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(notice, html);
  say(`  decision notice (利用停止等決定通知書, A4, 和暦): ${notice}`);
  return {
    requestId: done.requestId,
    previewed: preview.erase.map((r) => r.recordId),
    selfApprovalRefused: selfApproval !== undefined,
    status: done.status,
    erased,
    notice,
  };
}

