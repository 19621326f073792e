import { describe, expect, it } from 'vitest';
import { decideApproval } from '#shared/domain/request-approval.ts';
import { ValidationError } from '#shared/errors.ts';
import { chooseLang, knows, message } from '#shared/i18n/messages.ts';
import { describeError } from '#functions/cli/main.ts';
import { ingest, sampleLines, world } from './use-cases/world.ts';

describe('--lang ja', () => {
  it('gives every refusal of the refused sample lines in Japanese, with their facts', async () => {
    // Prepare
    const deps = world();
    // Act
    const report = await ingest(deps, sampleLines('records-refused.jsonl'));
    // Assess
    const messages = report.rejected.flatMap((r) => r.problems.map((p) => p.message));
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.filter((m) => !knows(m))).toEqual([]);
    for (const m of messages) expect(message(m, 'ja')).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  });

  it('keeps the facts of a message: ids, datasets, options', () => {
    expect(message('"marketing" is not a purpose of dataset "ibaraki-job-seekers" (allowed: a, b)', 'ja')).toBe(
      '「marketing」はデータセット「ibaraki-job-seekers」の利用目的ではありません（指定できるもの: a, b）',
    );
    expect(message('is not an option of wasure sweep (did you mean --dry-run?); see wasure sweep --help', 'ja')).toBe(
      'wasure sweep のオプションではありません（--dry-run のことですか）。wasure sweep --help を見てください',
    );
    expect(message('was already approved by chief-2 at 2026-12-02T01:00:00.000Z', 'ja')).toBe('既に決裁（承認）です（chief-2 2026-12-02T01:00:00.000Z）');
  });

  it('knows every refusal of the command line parser', async () => {
    // Prepare
    const { parseArgs } = await import('#functions/cli/args.ts');
    const spec = { options: { 'dry-run': { type: 'boolean' as const, description: '' }, now: { type: 'string' as const, description: '' } }, positionals: [], command: 'sweep' };
    const attempts = [['--dryrun'], ['--now'], ['--dry-run=x'], ['stray']];
    // Act
    const refusals = attempts.map((argv) => {
      try {
        parseArgs(argv, spec);
      } catch (e) {
        return e as ValidationError;
      }
      return undefined;
    });
    // Assess
    for (const r of refusals) {
      expect(r).toBeInstanceOf(ValidationError);
      expect(knows((r as ValidationError).message)).toBe(true);
      for (const p of (r as ValidationError).problems) expect(knows(p.message), p.message).toBe(true);
    }
  });

  it('leaves a message it does not know in English, whole', () => {
    expect(message('something nobody wrote a translation for', 'ja')).toBe('something nobody wrote a translation for');
    expect(message('must list at least one purpose of use', 'en')).toBe('must list at least one purpose of use');
  });

  it('prints the four-eyes refusal in Japanese through the CLI\'s error map, exit 2', () => {
    // Prepare
    let error: unknown;
    try {
      decideApproval({ state: 'pending' }, 'clerk-1', 'clerk-1', 'approve', undefined, new Date());
    } catch (e) {
      error = e;
    }
    // Act
    const described = describeError(error as ValidationError, 'ja');
    // Assess
    expect(described.code).toBe(2);
    expect(described.lines).toEqual(['請求を決裁（承認）にできません', '  operator: clerk-1 はこの請求の起案者のため決裁できません。別の担当者が決裁してください']);
  });

  it('takes --lang, then WASURE_LANG, then the catalogue\'s language', () => {
    expect(chooseLang('ja', 'en', 'en')).toBe('ja');
    expect(chooseLang(undefined, 'ja', 'en')).toBe('ja');
    expect(chooseLang(undefined, undefined, 'ja')).toBe('ja');
    expect(chooseLang(undefined, 'fr', undefined)).toBe('en');
  });
});
