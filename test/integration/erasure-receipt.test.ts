import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAndApprove, runCliCaptured } from '../cli-run.ts';
import { findIn, rawFiles } from '../raw-files.ts';
import { openEmbeddedRuntime } from '#functions/runtime.ts';
import { checkpointBytes } from '#shared/domain/audit-chain.ts';
import type { ErasureReceipt } from '#shared/domain/erasure-receipt.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../docs/verify-receipt.sh', import.meta.url));
const NOW = '2026-11-22T00:00:00Z';
const ERASED = 'S-STM-4002';
const verified = ['--verified-by', 'passport', '--evidence', 'desk-1'];
/** A subject with a name, erased by a second request, and a control subject beside it. */
const NAMED = 'S-RCPT-8181';
const NAMED_VALUES = [NAMED, 'URCPTLINE8181', 'RC受領太郎', 'RC受領喘息歴'];
const CONTROL = 'S-RCCONTROL-9292';
const CONTROL_VALUES = [CONTROL, 'URCCONTROL9292', 'RC対照花子'];
const lineOf = (recordId: string, subjectId: string, [, lineUserId, profileName, medicalHistory]: readonly string[]) =>
  JSON.stringify({
    recordId,
    subjectId,
    dataset: 'saitama-covid-line',
    purposes: ['saitama-2'],
    acquiredAt: '2026-10-01T08:00:00+09:00',
    consent: { refs: ['line-survey-consent-2020'], sensitive: true },
    fields: { lineUserId, profileName, ...(medicalHistory === undefined ? {} : { medicalHistory }) },
  });
const hasOpenssl = spawnSync('openssl', ['version']).status === 0 && spawnSync('python3', ['--version']).status === 0;

type Tamper = (r: ErasureReceipt & Record<string, unknown>) => void;
const TAMPERS: readonly [string, Tamper, string][] = [
  ['an event field', (r) => Object.assign(r.events[0] as object, { outcome: 'skipped' }), 'altered-event'],
  ['a path element', (r) => ((r.proofs[0]?.path as string[])[0] = '0'.repeat(64)), 'bad-proof'],
  ['the checkpoint root', (r) => Object.assign(r.checkpoint, { rootHash: 'e'.repeat(64) }), 'bad-signature'],
  ['the signature', (r) => Object.assign(r.checkpoint, { signature: Buffer.alloc(64, 7).toString('base64') }), 'bad-signature'],
];

describe('wasure receipt on the embedded stores', () => {
  let dir: string;
  let work: string;
  let file: string;
  const run = (...argv: string[]) => runCliCaptured([...argv, '--local', dir, '--now', NOW]);
  const script = (path: string) => spawnSync('sh', [SCRIPT, path], { encoding: 'utf8' });
  const tampered = async (name: string, tamper: Tamper): Promise<string> => {
    const receipt = JSON.parse(await readFile(file, 'utf8'));
    tamper(receipt);
    const path = join(work, `${name.replaceAll(' ', '-')}.json`);
    await writeFile(path, JSON.stringify(receipt));
    return path;
  };

  let erased: SubjectRequest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-receipt-'));
    work = await mkdtemp(join(tmpdir(), 'wasure-receipt-files-'));
    file = join(work, 'receipt.json');
    const extra = join(work, 'named.jsonl');
    await writeFile(extra, `${lineOf('rcp-0001', NAMED, NAMED_VALUES)}\n${lineOf('rcc-0001', CONTROL, CONTROL_VALUES)}\n`);
    for (const input of [sample('records.jsonl'), extra]) {
      const ingest = await run('ingest', input, '--json');
      expect(ingest.code, ingest.stderr).toBe(0);
    }
    // saitama-pref's subject: the erasure is filed, then approved (決裁) and carried out.
    const erase = await fileAndApprove(run, 'request', 'erase', '--subject', ERASED, '--request-id', 'rc-erase-1', ...verified, '--json');
    expect(erase.code, erase.stderr).toBe(0);
    erased = JSON.parse(erase.stdout) as SubjectRequest;
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('request erase saves the request\'s receipt as its package, which receipt verify accepts offline', async () => {
    // Prepare
    const location = join(dir, 'exports', 'rc-erase-1');
    // Act
    const checked = await runCliCaptured(['receipt', 'verify', join(location, 'erasure-receipt.json'), '--json']);
    // Assess
    expect(erased.outcome?.erasureReceipt).toMatchObject({ status: 'issued', location, file: 'erasure-receipt.json', events: 2 });
    expect(checked.code, checked.stdout).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, eventsProved: 2 });
    const receipt = JSON.parse(await readFile(join(location, 'erasure-receipt.json'), 'utf8')) as ErasureReceipt;
    expect(receipt.events.map((e) => e.details?.cause)).toEqual(['request:rc-erase-1', 'request:rc-erase-1']);
    expect((await rawFiles(location)).map((f) => f.path).sort()).toEqual(['.expires-at', 'HOW-TO-VERIFY.txt', 'erasure-receipt.json', 'manifest.json']);
  });

  it('request erase names the receipt file in its output; the package holds no byte of the subject, the control subject is untouched', { timeout: 180_000 }, async () => {
    // Act
    const erase = await fileAndApprove(run, 'request', 'erase', '--subject', NAMED, '--request-id', 'rc-erase-named', ...verified);
    // Assess
    const receiptPath = join(dir, 'exports', 'rc-erase-named', 'erasure-receipt.json');
    expect(erase.code, erase.stderr).toBe(0);
    expect(erase.stdout).toContain(`erasure receipt: ${receiptPath}`);
    expect(erase.stdout).toContain(`wasure receipt verify ${receiptPath}`);
    const pkg = await rawFiles(join(dir, 'exports', 'rc-erase-named'));
    expect(pkg.length).toBeGreaterThan(2);
    expect(findIn(pkg, [...NAMED_VALUES, ...CONTROL_VALUES, ERASED])).toEqual([]);
    expect((await runCliCaptured(['receipt', 'verify', receiptPath])).code).toBe(0);
    const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: NOW });
    try {
      const control = await runtime.deps.pseudonyms.pseudonym(CONTROL);
      expect((await runtime.deps.records.listBySubject(control)).map((r) => [r.recordId, r.status])).toEqual([['rcc-0001', 'active']]);
      expect((await runtime.audit.readEvents({ subjectPseudonym: control })).filter((e) => e.action === 'erasure' || e.action === 'key-destroyed')).toEqual([]);
      const receipt = JSON.parse(await readFile(receiptPath, 'utf8')) as ErasureReceipt;
      expect(receipt.subjectPseudonym).toBe(await runtime.deps.pseudonyms.pseudonym(NAMED));
      expect(JSON.stringify(receipt)).not.toContain(control);
    } finally {
      await runtime.close();
    }
    // Another subject's erasure leaves the first request's package in place.
    expect((await rawFiles(join(dir, 'exports', 'rc-erase-1'))).length).toBe(4);
  });

  it('issues a receipt after the checkpointer ran that receipt verify accepts offline, naming no other subject', { timeout: 180_000 }, async () => {
    // Prepare: the checkpointer signs the tree; every other subject's pseudonym
    const records = (await readFile(sample('records.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const others = [...new Set(records.map((l) => (JSON.parse(l) as { subjectId: string }).subjectId))].filter((s) => s !== ERASED);
    const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: NOW });
    let pseudonyms: string[];
    let mine: string;
    try {
      expect(await runtime.audit.checkpoint()).toBeDefined();
      pseudonyms = await Promise.all(others.map((s) => runtime.deps.pseudonyms.pseudonym(s)));
      mine = await runtime.deps.pseudonyms.pseudonym(ERASED);
    } finally {
      await runtime.close();
    }
    // Act
    const issued = await run('receipt', 'issue', '--subject', ERASED, '--request', 'rc-erase-1', '--out', file, '--json');
    const checked = await runCliCaptured(['receipt', 'verify', file, '--json']);
    // Assess
    expect(issued.code, issued.stderr).toBe(0);
    expect(checked.code, checked.stdout).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, problems: [] });
    const text = await readFile(file, 'utf8');
    const receipt = JSON.parse(text) as ErasureReceipt;
    expect(receipt.subjectPseudonym).toBe(mine);
    // Events staged at one clock time are chained in event-id order.
    expect(receipt.events.map((e) => [e.action, e.details?.cause]).sort()).toEqual([
      ['erasure', 'request:rc-erase-1'],
      ['key-destroyed', 'request:rc-erase-1'],
    ]);
    expect(pseudonyms).toHaveLength(others.length);
    for (const p of [...pseudonyms, ...others, ERASED]) {
      expect(text).not.toContain(p);
    }
  });

  it.each(TAMPERS)('receipt verify refuses %s tampered with (exit 2) and names it', async (name, tamper, kind) => {
    // Prepare
    const path = await tampered(name, tamper);
    // Act
    const checked = await runCliCaptured(['receipt', 'verify', path]);
    // Assess
    expect(checked.code).toBe(2);
    expect(checked.stdout).toContain(`${kind}:`);
  });

  it('receipt key prints the public key and the fingerprint receipts verify with', async () => {
    // Act
    const key = await run('receipt', 'key', '--json');
    const checked = await runCliCaptured(['receipt', 'verify', file, '--json']);
    // Assess
    expect(key.code, key.stderr).toBe(0);
    const published = JSON.parse(key.stdout) as { publicKey: string; fingerprint: string };
    const receipt = JSON.parse(await readFile(file, 'utf8')) as ErasureReceipt;
    expect(published.publicKey).toBe(receipt.publicKey);
    expect(published.fingerprint).toBe(JSON.parse(checked.stdout).keyFingerprint);
  });

  it('receipt verify opens no store', async () => {
    // Prepare
    const nowhere = join(work, 'no-state-here');
    // Act
    const checked = await runCliCaptured(['receipt', 'verify', file, '--local', nowhere]);
    // Assess
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr).not.toContain('DynamoDB');
    await expect(stat(nowhere)).rejects.toThrow();
  });

  it('docs/verify-receipt.sh checks it with openssl and refuses each tampering', async ({ skip }) => {
    skip(!hasOpenssl, 'openssl or python3 is not installed: the standalone script cannot run here');
    // Act
    const good = script(file);
    // Assess
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain('receipt valid: 2 erasure event(s)');
    const fingerprint = JSON.parse((await runCliCaptured(['receipt', 'verify', file, '--json'])).stdout).keyFingerprint;
    expect(good.stdout).toContain(`sha256:${fingerprint}`);
    for (const [name, tamper] of TAMPERS) {
      const bad = script(await tampered(name, tamper));
      expect(bad.status, name).toBe(2);
      expect(bad.stdout, name).toContain('receipt INVALID');
    }
  });

  it('docs/verify-receipt.sh checks an ECDSA P-256 receipt as KMS signs it on AWS', async ({ skip }) => {
    skip(!hasOpenssl, 'openssl or python3 is not installed: the standalone script cannot run here');
    // Prepare: the embedded receipt re-signed with a P-256 key (DER signature, as KMS returns)
    const receipt = JSON.parse(await readFile(file, 'utf8')) as ErasureReceipt;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { signature: _s, ...unsigned } = { ...receipt.checkpoint, algorithm: 'ECDSA_SHA_256' };
    const checkpoint = { ...unsigned, signature: sign('sha256', checkpointBytes(unsigned), privateKey).toString('base64') };
    const ecdsa = { ...receipt, checkpoint, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const path = join(work, 'ecdsa.json');
    await writeFile(path, JSON.stringify(ecdsa));
    // Act
    const cli = await runCliCaptured(['receipt', 'verify', path]);
    const standalone = script(path);
    // Assess
    expect(cli.code, cli.stdout).toBe(0);
    expect(standalone.status, standalone.stdout + standalone.stderr).toBe(0);
    expect(standalone.stdout).toContain('ECDSA_SHA_256');
  });
});
