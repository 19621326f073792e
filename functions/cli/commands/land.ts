import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RESOURCES } from '#shared/config/resources.ts';
import { unsafeKeyReason } from '#shared/adapters/local/s3-guard.ts';
import { LANDING_METADATA, LANDING_PREFIX } from '#shared/domain/landing.ts';
import { ValidationError } from '#shared/errors.ts';
import { output } from '../../deployed-stack.ts';
import { watchLanding } from '../../local/landing-watcher.ts';
import { optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

const TAGS: Record<string, string> = {
  dataset: LANDING_METADATA.dataset,
  subject: LANDING_METADATA.subject,
  purposes: LANDING_METADATA.purposes,
  record: LANDING_METADATA.recordId,
  'acquired-at': LANDING_METADATA.acquiredAt,
  'consent-refs': LANDING_METADATA.consentRefs,
};

/**
 * Drops a file into the landing bucket, as another system would. Locally
 * the tagger handles it at once (s3rver's event); on a stack the
 * EventBridge rule does.
 */
export const landCommand: CliCommand = {
  path: ['land'],
  positionals: ['FILE'],
  options: {
    key: { type: 'string', value: 'NAME', description: 'object key under landing/ (default the file name)' },
    dataset: { type: 'string', value: 'ID', description: 'tag: dataset of a document' },
    subject: { type: 'string', value: 'ID', description: 'tag: subject of a document' },
    purposes: { type: 'string', value: 'P,Q', description: 'tag: purposes of use, comma-separated' },
    record: { type: 'string', value: 'ID', description: 'tag: record id' },
    'acquired-at': { type: 'string', value: 'ISO', description: 'tag: when it was acquired' },
    'consent-refs': { type: 'string', value: 'R,S', description: 'tag: consent references, comma-separated' },
    'consent-sensitive': { type: 'boolean', description: 'tag: the consent covers sensitive data' },
  },
  usage:
    'land FILE [--key NAME] [--dataset ID --subject ID --purposes P,Q [--record ID] [--acquired-at ISO] [--consent-refs R,S] [--consent-sensitive]]   drop a batch (.jsonl) or a tagged document into the landing bucket',
  async run(ctx) {
    const file = ctx.args.positionals[0];
    if (file === undefined) {
      throw new ValidationError('land needs a file', [{ path: 'FILE', message: 'is required' }]);
    }
    const body = await readFile(file).catch(() => {
      throw new ValidationError(`cannot read ${file}`, [{ path: file, message: 'no such file' }]);
    });
    const key = `${LANDING_PREFIX}${optionString(ctx.args, 'key') ?? basename(file)}`;
    // Refused before anything runs: s3rver maps keys to file paths, and no
    // sender has a reason to use such names on AWS either.
    const unsafe = unsafeKeyReason(key);
    if (unsafe !== undefined) {
      throw new ValidationError(`cannot land ${file} under the key ${JSON.stringify(key)}`, [
        { path: '--key', message: `the object key ${unsafe}` },
      ]);
    }
    const metadata: Record<string, string> = {};
    for (const [option, name] of Object.entries(TAGS)) {
      const value = optionString(ctx.args, option);
      if (value !== undefined) metadata[name] = value;
    }
    if (ctx.args.options['consent-sensitive'] === true) metadata[LANDING_METADATA.consentSensitive] = 'true';
    const contentType = key.endsWith('.jsonl') ? 'application/x-ndjson' : key.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream';
    const runtime = await ctx.runtime();
    if (runtime.mode === 'stack') {
      const bucket = output(runtime.stack, RESOURCES.landingBucket.output);
      const s3 = new S3Client({ region: runtime.stack.region });
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata }));
      } finally {
        s3.destroy();
      }
      ctx.out(`landed s3://${bucket}/${key}; the tagger stores it or moves it to quarantine/ with its reasons`);
      return 0;
    }
    const watcher = watchLanding(runtime.embedded, runtime.deps);
    try {
      await runtime.embedded.s3.send(
        new PutObjectCommand({ Bucket: runtime.embedded.names.landingBucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata }),
      );
      const summaries = await watcher.idle();
      const results = summaries.flatMap((s) => s.results);
      if (ctx.json) {
        ctx.out(JSON.stringify({ results }, null, 2));
      } else {
        for (const r of results) {
          ctx.out(`${r.key}: ${r.stored} stored, ${r.refused} refused${r.quarantineKey === undefined ? '' : ` — kept with the reasons at ${r.quarantineKey}(.reasons.json)`}`);
        }
      }
      return results.some((r) => r.refused > 0) ? 2 : 0;
    } finally {
      watcher.stop();
    }
  },
};
