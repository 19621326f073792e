import { personalDataProblem } from '#shared/domain/audit-event.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';
import { addHold, type HoldTarget, removeHold } from '#shared/use-cases/manage-holds.ts';
import { optionString } from '../args.ts';
import type { CliCommand, CliContext } from '../types.ts';

function target(ctx: CliContext): HoldTarget {
  const recordId = optionString(ctx.args, 'record');
  const subjectId = optionString(ctx.args, 'subject');
  if ((recordId === undefined) === (subjectId === undefined)) {
    throw new ValidationError('give exactly one of --record ID or --subject ID', [
      { path: '--record/--subject', message: 'exactly one is required' },
    ]);
  }
  return recordId !== undefined ? { recordId } : { subjectId: subjectId as string };
}

/**
 * Ids and the reason reach the append-only audit trail: refuse personal data
 * in them before anything is written, by the audit guard's own rules.
 */
function assertNoPersonalData(ctx: CliContext): void {
  const problems = ['record', 'subject', 'id', 'reason', 'actor'].flatMap((name): Problem[] => {
    const value = optionString(ctx.args, name);
    const problem = value === undefined ? undefined : personalDataProblem(`--${name}`, value, 'it would be written to the audit trail');
    return problem === undefined ? [] : [problem];
  });
  if (problems.length > 0) {
    throw new ValidationError('the hold cannot be recorded', problems);
  }
}

function actor(ctx: CliContext): string {
  return `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`;
}

export const holdAddCommand: CliCommand = {
  path: ['hold', 'add'],
  options: {
    record: { type: 'string', value: 'ID', description: 'the record to hold' },
    subject: { type: 'string', value: 'ID', description: 'hold every record of this subject' },
    reason: { type: 'string', value: 'TEXT', description: 'why (litigation, investigation…); no personal data' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure hold add --record stm-0001 --reason "litigation hold, case 2026-W-17"'],
  usage: 'hold add --record ID|--subject ID --reason TEXT   place a legal hold',
  async run(ctx) {
    assertNoPersonalData(ctx);
    const result = await addHold(await ctx.runtime().then((r) => r.deps), {
      target: target(ctx),
      reason: optionString(ctx.args, 'reason') ?? '',
      actor: actor(ctx),
    });
    ctx.out(
      ctx.json
        ? JSON.stringify(result, null, 2)
        : `hold ${result.hold.id} placed on ${result.recordIds.join(', ')}`,
    );
    return 0;
  },
};

export const holdRemoveCommand: CliCommand = {
  path: ['hold', 'remove'],
  options: {
    record: { type: 'string', value: 'ID', description: 'the held record' },
    subject: { type: 'string', value: 'ID', description: 'every held record of this subject' },
    id: { type: 'string', value: 'HOLD', description: 'lift only this hold' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure hold remove --record stm-0001', 'wasure hold remove --subject S-STM-4001 --id hold-1'],
  usage: 'hold remove --record ID|--subject ID [--id HOLD]  lift a hold (all if no --id)',
  async run(ctx) {
    assertNoPersonalData(ctx);
    const holdId = optionString(ctx.args, 'id');
    const result = await removeHold(await ctx.runtime().then((r) => r.deps), {
      target: target(ctx),
      ...(holdId === undefined ? {} : { holdId }),
      actor: actor(ctx),
    });
    ctx.out(
      ctx.json
        ? JSON.stringify(result, null, 2)
        : `${result.removed} hold(s) lifted on ${result.recordIds.join(', ')}`,
    );
    return 0;
  },
};
