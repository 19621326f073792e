import { describe, expect, it } from 'vitest';
import { EXPORT_LINK_TTL_MS, issueExportLink, spendExportLink } from '#shared/use-cases/export-links.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, requestInput, sampleOf, world } from './world.ts';

/** A world with one disclosure request filed (the link use case does not look at its status; the console checks the package). */
async function withRequest(): Promise<ReturnType<typeof world>> {
  const deps = world();
  await ingest(deps, sampleOf('gnm-0001'));
  await registerRequest(deps, requestInput('q-exp', 'export', 'S-GNM-2001'));
  return deps;
}

describe('one-time download links', () => {
  it('spends a link once for the operator it was handed to, audited in the same write, never storing the token', async () => {
    // Prepare
    const deps = await withRequest();
    const { token, expiresAt } = await issueExportLink(deps, 'q-exp', 'clerk-1');
    // Act
    const first = await spendExportLink(deps, 'q-exp', token, 'clerk-1');
    const second = await spendExportLink(deps, 'q-exp', token, 'clerk-1');
    // Assess
    expect(Date.parse(expiresAt) - deps.clock.now().getTime()).toBe(EXPORT_LINK_TTL_MS);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, why: 'used' });
    const stored = JSON.stringify(await deps.requests.get('q-exp'));
    expect(stored).not.toContain(token);
    const steps = (await eventsOf(deps, 'console-action')).map((e) => [e.outcome, e.details?.step, e.details?.requestId, e.details?.operator]);
    expect(steps).toEqual([
      ['ok', 'export-link-issued', 'q-exp', 'clerk-1'],
      ['ok', 'export-downloaded', 'q-exp', 'clerk-1'],
      ['refused', 'export-download-refused', 'q-exp', 'clerk-1'],
    ]);
    expect(JSON.stringify(await eventsOf(deps, 'console-action'))).not.toContain(token);
    await expectTrailVerifies(deps);
  });

  it('lets exactly one of two simultaneous uses through (the request\'s version decides)', async () => {
    // Prepare
    const deps = await withRequest();
    const { token } = await issueExportLink(deps, 'q-exp', 'clerk-1');
    // Act
    const both = await Promise.all([spendExportLink(deps, 'q-exp', token, 'clerk-1'), spendExportLink(deps, 'q-exp', token, 'clerk-1')]);
    // Assess
    expect(both.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(both.find((r) => !r.ok)).toEqual({ ok: false, why: 'used' });
  });

  it('refuses another operator and spends the link; refuses an expired one and an unknown token', async () => {
    // Prepare
    const deps = await withRequest();
    const shared = (await issueExportLink(deps, 'q-exp', 'clerk-1')).token;
    const late = (await issueExportLink(deps, 'q-exp', 'clerk-1')).token;
    // Act
    const other = await spendExportLink(deps, 'q-exp', shared, 'chief-2');
    const owner = await spendExportLink(deps, 'q-exp', shared, 'clerk-1');
    deps.clock.set(new Date(deps.clock.now().getTime() + EXPORT_LINK_TTL_MS + 1).toISOString());
    const expired = await spendExportLink(deps, 'q-exp', late, 'clerk-1');
    const unknown = await spendExportLink(deps, 'q-exp', 'A'.repeat(43), 'clerk-1');
    const noRequest = await spendExportLink(deps, 'q-none', late, 'clerk-1');
    // Assess
    expect([other, owner, expired, unknown, noRequest].map((r) => (r.ok ? 'ok' : r.why))).toEqual(['other-operator', 'used', 'expired', 'unknown', 'unknown']);
    // An expired link is pruned when the next one is handed out.
    await issueExportLink(deps, 'q-exp', 'clerk-1');
    expect((await deps.requests.get('q-exp'))?.downloadLinks).toHaveLength(1);
  });

  it('never serves a link twice nor unaudited, killed at every port call of a download', async () => {
    const calls = await killAtEveryCall(
      async () => {
        const deps = await withRequest();
        const { token } = await issueExportLink(deps, 'q-exp', 'clerk-1');
        return { deps, token, served: 0 };
      },
      async (s) => {
        if ((await spendExportLink(s.deps, 'q-exp', s.token, 'clerk-1')).ok) s.served += 1;
      },
      async (s) => {
        // The operator clicks again after the crash.
        if ((await spendExportLink(s.deps, 'q-exp', s.token, 'clerk-1')).ok) s.served += 1;
      },
      async (s) => {
        const downloads = (await eventsOf(s.deps, 'console-action')).filter((e) => e.details?.step === 'export-downloaded');
        // Never two downloads, never one unaudited: a crash after the write
        // spends the link with its event (the operator asks for a new one).
        expect(s.served).toBeLessThanOrEqual(1);
        expect(downloads.length).toBeGreaterThanOrEqual(s.served);
        expect(downloads.length).toBeLessThanOrEqual(1);
        await expectTrailVerifies(s.deps);
      },
    );
    expect(calls).toBeGreaterThan(2);
  });
});
