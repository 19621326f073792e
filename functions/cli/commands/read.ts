import { isTombstone } from '#shared/domain/record.ts';
import { NotFoundError, ValidationError, assertIsError } from '#shared/errors.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { optionString, requiredOptions } from '../args.ts';
import type { CliCommand } from '../types.ts';

export const readCommand: CliCommand = {
  path: ['read'],
  options: {
    record: { type: 'string', value: 'ID', description: 'the record to read' },
    purpose: { type: 'string', value: 'P', description: 'the purpose of the read (a purpose of the record, or retention / legal-claims)' },
    exception: { type: 'string', value: 'BASIS', description: 'an exception of the catalogue that allows a read for another purpose' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure read --record stm-0002 --purpose saitama-2'],
  usage: 'read --record ID --purpose P [--exception BASIS]   read a record for a stated purpose (audited)',
  async run(ctx) {
    const { record: recordId, purpose } = requiredOptions(ctx.args, 'read', {
      record: '',
      purpose: 'a purpose id of the catalogue, or retention / legal-claims',
    });
    const exception = optionString(ctx.args, 'exception');
    const { deps } = await ctx.runtime();
    const result = await readRecord(deps, {
      recordId,
      purpose,
      ...(exception === undefined ? {} : { exception }),
      actor: `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`,
    }).catch(async (error: unknown) => {
      assertIsError(error);
      // A record the caller named that is not held is bad input (exit 2);
      // a missing document of a held record stays a failure (exit 1).
      const held = error instanceof NotFoundError ? await deps.records.get(recordId) : undefined;
      if (error instanceof NotFoundError && (held === undefined || isTombstone(held))) {
        throw new ValidationError(`no record ${recordId} is held`, [
          { path: '--record', message: `no record ${recordId} is held${held === undefined ? '' : ' (it was erased)'}` },
        ]);
      }
      throw error;
    });
    if (ctx.json) {
      ctx.out(JSON.stringify({ recordId, dataset: result.record.dataset, purposes: result.record.purposes, fields: result.fields }, null, 2));
    } else {
      ctx.out(`${recordId} [${result.record.dataset}] read for ${purpose}${exception === undefined ? '' : ` under exception ${exception}`}`);
      for (const [name, value] of Object.entries(result.fields)) {
        ctx.out(`  ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
      }
    }
    return 0;
  },
};
