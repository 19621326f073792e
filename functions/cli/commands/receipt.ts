import { stat, writeFile } from 'node:fs/promises';
import { keyFingerprint, verifyReceipt } from '#shared/domain/erasure-receipt.ts';
import { ConfigError, ValidationError } from '#shared/errors.ts';
import type { CheckpointSigner } from '#shared/ports/audit.ts';
import { issueErasureReceipt } from '#shared/use-cases/erasure-receipt.ts';
import type { Runtime } from '../../runtime.ts';
import { optionString, requiredOptions } from '../args.ts';
import type { CliCommand } from '../types.ts';
import { readJsonFile } from '../../io/read-json-file.ts';

/** A receipt holds one subject's events: anything larger is not one. */
const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;

function signerOf(runtime: Runtime): CheckpointSigner {
  const signer = runtime.audit.signer;
  if (signer === undefined) {
    throw new ConfigError('no checkpoint signing key is configured: receipts need signed checkpoints');
  }
  return signer;
}

export const receiptKeyCommand: CliCommand = {
  path: ['receipt', 'key'],
  examples: ['wasure receipt key', 'wasure receipt key --json'],
  usage: 'receipt key                     the checkpoint public key (PEM) and its fingerprint, to publish for subjects',
  async run(ctx) {
    const publicKey = await signerOf(await ctx.runtime()).publicKeyPem();
    const fingerprint = keyFingerprint(publicKey);
    ctx.out(ctx.json ? JSON.stringify({ publicKey, fingerprint }, null, 2) : `${publicKey.trimEnd()}\nsha256:${fingerprint}`);
    return 0;
  },
};

export const receiptIssueCommand: CliCommand = {
  path: ['receipt', 'issue'],
  options: {
    subject: { type: 'string', value: 'ID', description: 'whose erasure (looked up by its pseudonym)' },
    request: { type: 'string', value: 'ID', description: 'only the erasure of this erase request' },
    out: { type: 'string', value: 'FILE', description: 'write the receipt here (never over an existing file) instead of stdout' },
  },
  examples: ['wasure receipt issue --subject S-STM-4002 --out receipt.json', 'wasure receipt issue --subject S-STM-4002 --request q-17'],
  usage: 'receipt issue --subject ID [--request ID] [--out FILE]   erasure receipt: the events with inclusion proofs against a signed checkpoint',
  async run(ctx) {
    const { subject } = requiredOptions(ctx.args, 'receipt issue', { subject: 'the subject id' });
    const request = optionString(ctx.args, 'request');
    const out = optionString(ctx.args, 'out');
    const runtime = await ctx.runtime();
    const signer = signerOf(runtime);
    const receipt = await issueErasureReceipt(
      { trail: runtime.audit, signer },
      {
        subjectPseudonym: await runtime.audit.pseudonymizer.pseudonym(subject),
        ...(request === undefined ? {} : { cause: `request:${request}` }),
      },
    );
    const text = `${JSON.stringify(receipt, null, 2)}\n`;
    if (out === undefined) {
      ctx.out(text.trimEnd());
      return 0;
    }
    await writeFile(out, text, { flag: 'wx', mode: 0o600 }).catch((error: Error) => {
      throw new ValidationError(`cannot write ${out}`, [{ path: '--out', message: error.message }]);
    });
    const summary = { file: out, events: receipt.events.length, checkpoint: receipt.checkpoint.index, treeSize: receipt.checkpoint.treeSize };
    ctx.out(
      ctx.json
        ? JSON.stringify(summary, null, 2)
        : `erasure receipt written to ${out}: ${summary.events} event(s) proved against signed checkpoint ${summary.checkpoint} (tree size ${summary.treeSize})`,
    );
    return 0;
  },
};

export const receiptVerifyCommand: CliCommand = {
  path: ['receipt', 'verify'],
  positionals: ['FILE'],
  examples: ['wasure receipt verify receipt.json', 'wasure receipt verify receipt.json --json'],
  usage: 'receipt verify FILE             check an erasure receipt offline (no store is opened); exit 2 if invalid',
  async run(ctx) {
    const file = ctx.args.positionals[0];
    if (file === undefined) {
      throw new ValidationError('receipt verify needs FILE', [{ path: 'FILE', message: 'missing' }]);
    }
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    if (size > MAX_RECEIPT_BYTES) {
      throw new ValidationError(`${file} is too large for a receipt`, [{ path: file, message: `${size} bytes, at most ${MAX_RECEIPT_BYTES}` }]);
    }
    const verdict = verifyReceipt(await readJsonFile(file));
    if (ctx.json) {
      ctx.out(JSON.stringify(verdict, null, 2));
    } else if (verdict.ok) {
      ctx.out(
        `receipt valid: ${verdict.eventsProved} erasure event(s) are in signed checkpoint ${verdict.checkpointIndex} (tree size ${verdict.treeSize})`,
      );
      ctx.out(`signing key sha256:${verdict.keyFingerprint} — compare it with the fingerprint the controller publishes`);
    } else {
      ctx.out('receipt INVALID:');
      for (const p of verdict.problems) {
        ctx.out(`  ${p.kind}: ${p.message}`);
      }
    }
    return verdict.ok ? 0 : 2;
  },
};
