import { message } from '#shared/i18n/messages.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ValidationError } from '#shared/errors.ts';
import {
  type IngestLine,
  type IngestReport,
  type Rejection,
  ingestRecords,
} from '#shared/use-cases/ingest-records.ts';
import type { CliCommand, CliContext } from '../types.ts';

/**
 * Longest line read, in bytes. A line holds one record and its documents
 * (base64), all in memory at once; larger documents go through `wasure land`.
 * Past this the line is refused and skipped without being buffered.
 */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;

/**
 * Byte offset of the first byte that is not well-formed UTF-8 (overlongs,
 * surrogates and code points past U+10FFFF included), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k += 1) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) {
        return i;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Splits a file into lines of bytes and decodes each with a fatal UTF-8
 * decoder. A line that is not UTF-8 or is longer than {@link MAX_LINE_BYTES}
 * goes to `refused` with its line number and the reason; the others are
 * yielded. A BOM before the first line is dropped.
 */
export async function* readLines(
  file: string,
  refused: Rejection[],
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<IngestLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let line = 0;
  let offset = 0;
  let parts: Buffer[] = [];
  let size = 0;
  const finish = (): IngestLine | undefined => {
    line += 1;
    const start = offset;
    offset += size + 1;
    if (size > maxLineBytes) {
      refused.push({
        line,
        problems: [{ path: '(line)', message: `is ${size} bytes long; a line may be at most ${maxLineBytes} bytes (put large documents in the landing bucket: wasure land)` }],
      });
      return undefined;
    }
    let bytes = Buffer.concat(parts, size);
    if (bytes[bytes.length - 1] === 0x0d) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      refused.push({
        line,
        problems: [{ path: '(line)', message: `is not valid UTF-8: bad byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at byte ${at} of the line (byte ${start + at} of the file)` }],
      });
      return undefined;
    }
    if (line === 1 && text.startsWith('\uFEFF')) {
      text = text.slice(1);
    }
    return text.trim() === '' ? undefined : { line, text };
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(0x0a, from); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
      if (size + (nl - from) <= maxLineBytes) {
        parts.push(chunk.subarray(from, nl));
      }
      size += nl - from;
      const done = finish();
      parts = [];
      size = 0;
      from = nl + 1;
      if (done !== undefined) {
        yield done;
      }
    }
    const rest = chunk.length - from;
    if (size + rest <= maxLineBytes) {
      parts.push(chunk.subarray(from));
    } else {
      parts = [];
    }
    size += rest;
  }
  if (size > 0) {
    const done = finish();
    if (done !== undefined) {
      yield done;
    }
  }
}

/** Ingests a JSONL file and prints the report; shared with `demo`. */
export async function ingestFile(ctx: CliContext, file: string): Promise<IngestReport> {
  const found = await stat(file).catch(() => undefined);
  if (found === undefined) {
    throw new ValidationError(`cannot read ${file}`, [{ path: file, message: 'no such file' }]);
  }
  if (found.isDirectory()) {
    throw new ValidationError(`${file} is a directory`, [{ path: file, message: 'is a directory; give a .jsonl file' }]);
  }
  const { deps } = await ctx.runtime();
  const refused: Rejection[] = [];
  const report = await ingestRecords(deps, readLines(file, refused), {
    actor: 'cli:ingest',
    onProgress: (done) => {
      if (done % 1000 === 0) {
        ctx.progress(`ingest: ${done} lines`);
      }
    },
  });
  if (refused.length === 0) {
    return report;
  }
  // Lines refused before tagging are audited like those tagging refuses.
  await deps.audit.append(
    refused.map((r) => ({
      action: 'ingest-refused',
      actor: 'cli:ingest',
      policyVersion: deps.catalogue.version,
      outcome: 'refused',
      reason: r.problems.map((p) => p.path).join(', '),
    })),
  );
  return {
    stored: report.stored,
    rejected: [...report.rejected, ...refused].sort((a, b) => a.line - b.line),
  };
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
      ctx.out(`  line ${r.line}${r.recordId ? ` (${r.recordId})` : ''}: rejected: ${p.path}: ${message(p.message, ctx.lang ?? 'en')}`);
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
