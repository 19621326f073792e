import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ValidationError } from '#shared/errors.ts';
import {
  type IngestLine,
  type IngestReport,
  ingestRecords,
} from '#shared/use-cases/ingest-records.ts';
import type { CliCommand, CliContext } from '../types.ts';

async function* readLines(file: string): AsyncGenerator<IngestLine> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line += 1;
    if (text.trim() !== '') {
      yield { line, text };
    }
  }
}

/** Ingests a JSONL file and prints the report; shared with `demo`. */
export async function ingestFile(ctx: CliContext, file: string): Promise<IngestReport> {
  try {
    await access(file);
  } catch {
    throw new ValidationError(`cannot read ${file}`, [{ path: file, message: 'no such file' }]);
  }
  const { deps } = await ctx.runtime();
  return ingestRecords(deps, readLines(file), {
    actor: 'cli:ingest',
    onProgress: (done) => {
      if (done % 1000 === 0) {
        ctx.progress(`ingest: ${done} lines`);
      }
    },
  });
}

/** Prints an ingest report as a table (or JSON). */
export function printIngestReport(ctx: CliContext, file: string, report: IngestReport): void {
  if (ctx.json) {
    ctx.out(JSON.stringify({ file, stored: report.stored, rejected: report.rejected }, null, 2));
    return;
  }
  ctx.out(`${file}: ${report.stored.length} stored, ${report.rejected.length} rejected`);
  for (const s of report.stored) {
    ctx.out(
      `  line ${s.line}: stored ${s.recordId} [${s.dataset}] categories=${s.categories.join(',')}` +
        (s.sealedFields.length > 0 ? ` encrypted=${s.sealedFields.join(',')}` : '') +
        (s.documents > 0 ? ` documents=${s.documents}` : '') +
        ` due=${s.dueAt ?? '(on event)'}`,
    );
  }
  for (const r of report.rejected) {
    for (const p of r.problems) {
      ctx.out(`  line ${r.line}${r.recordId ? ` (${r.recordId})` : ''}: rejected: ${p.path}: ${p.message}`);
    }
  }
}

export const ingestCommand: CliCommand = {
  path: ['ingest'],
  positionals: ['FILE.jsonl'],
  examples: ['wasure ingest shared/samples/records.jsonl', 'wasure ingest batch.jsonl --json'],
  usage: 'ingest FILE.jsonl               tag, classify, encrypt and store records',
  async run(ctx) {
    const file = ctx.args.positionals[0];
    if (file === undefined) {
      throw new ValidationError('ingest needs a FILE.jsonl', [{ path: 'FILE', message: 'missing' }]);
    }
    const report = await ingestFile(ctx, file);
    printIngestReport(ctx, file, report);
    return report.rejected.length > 0 ? 2 : 0;
  },
};
