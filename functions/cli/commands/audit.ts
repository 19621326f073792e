import { ValidationError } from '#shared/errors.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  options: {
    full: { type: 'boolean', description: 're-verify every event from event 0, ignoring the saved cursor' },
  },
  examples: ['wasure audit verify', 'wasure audit verify --full --json'],
  usage: 'audit verify [--full]           check the events since the last verified checkpoint (--full: all), checkpoints, signatures and writer MACs, then (locally) sign a checkpoint',
  async run(ctx) {
    const runtime = await ctx.runtime();
    const full = ctx.args.options.full === true;
    // On a deployed stack only the checkpointer role may sign (the signing
    // key denies everyone else): the CLI verifies from the checkpointer's
    // saved cursor and writes nothing; locally the CLI is the checkpointer.
    const local = runtime.mode !== 'stack';
    let shown = 0;
    // Verify before writing anything: a checkpoint signed over a tampered
    // trail would vouch for it.
    const verdict = await verifyAudit(runtime.audit, {
      full,
      persist: local,
      onProgress: (verified, head) => {
        if (verified - shown >= 10_000) {
          shown = verified;
          ctx.progress(`  verified ${verified} of ${head} events`);
        }
      },
    });
    const signed = verdict.ok && local ? await runtime.audit.checkpoint() : undefined;
    if (ctx.json) {
      ctx.out(JSON.stringify({ ...verdict, ...(signed === undefined ? {} : { signedCheckpoint: signed.index }) }, null, 2));
    } else if (verdict.ok) {
      const scope =
        verdict.mode === 'full' ? 'all checked' : `${verdict.newEvents} new since the verified cursor at event ${verdict.from}`;
      ctx.out(`audit trail verified: ${verdict.eventsChecked} events (${scope}), ${verdict.checkpointsChecked} signed checkpoints`);
      if (signed !== undefined) {
        ctx.out(`signed checkpoint ${signed.index} over ${signed.treeSize} events`);
      } else if (runtime.mode === 'stack') {
        ctx.out('checkpoints are signed by the deployed checkpointer (VerifyAuditFn) on its schedule');
      }
    } else {
      ctx.out(`audit trail FAILED verification after ${verdict.eventsChecked} events: ${verdict.problem?.kind}: ${verdict.problem?.message}`);
    }
    return verdict.ok ? 0 : 1;
  },
};

export const auditLogCommand: CliCommand = {
  path: ['audit', 'log'],
  options: {
    subject: { type: 'string', value: 'ID', description: 'only events about this subject (read from the index by its pseudonym)' },
    since: { type: 'string', value: 'ISO', description: 'only events at or after this time' },
    limit: { type: 'string', value: 'N', description: 'at most N events' },
  },
  examples: ['wasure audit log --subject S-STM-4002', 'wasure audit log --since 2026-11-01T00:00:00+09:00 --limit 50 --json'],
  usage: 'audit log [--subject ID] [--since ISO] [--limit N]   list audit events',
  async run(ctx) {
    const runtime = await ctx.runtime();
    const subject = optionString(ctx.args, 'subject');
    const since = optionString(ctx.args, 'since');
    const limitText = optionString(ctx.args, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) {
      throw new ValidationError('--limit must be a positive whole number', [{ path: '--limit', message: `"${limitText}"` }]);
    }
    if (since !== undefined && Number.isNaN(Date.parse(since))) {
      throw new ValidationError('--since must be an ISO time', [{ path: '--since', message: `"${since}"` }]);
    }
    const events = await runtime.audit.readEvents({
      ...(subject === undefined ? {} : { subjectPseudonym: await runtime.audit.pseudonymizer.pseudonym(subject) }),
      ...(since === undefined ? {} : { since: new Date(since).toISOString() }),
      ...(limit === undefined ? {} : { limit }),
    });
    if (ctx.json) {
      ctx.out(JSON.stringify(events.map(({ leafHash: _l, prevHash: _p, ...e }) => e), null, 2));
      return 0;
    }
    for (const e of events) {
      ctx.out(
        `${String(e.seq).padStart(6)} ${formatJst(e.time)} ${e.action.padEnd(18)} ${e.outcome.padEnd(8)} ${e.actor} ${e.recordId ?? ''} ${e.dataset ?? ''}${e.reason === undefined ? '' : ` — ${e.reason}`}`,
      );
    }
    ctx.out(`${events.length} event(s)`);
    return 0;
  },
};
