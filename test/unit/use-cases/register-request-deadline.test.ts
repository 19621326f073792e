import { describe, expect, it } from 'vitest';
import { fixedClock, type MemoryDeps, memoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import type { RequestDeadlineSetting } from '#shared/domain/request-deadlines.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { sampleCatalogue } from '../../fixtures/catalogue.ts';
import { ingest, requestInput, sampleOf } from './world.ts';

/** The sample world on 1 Apr 2027 10:00 JST, every controller under `setting`. */
async function worldUnder(setting: RequestDeadlineSetting | undefined): Promise<MemoryDeps> {
  const sample = sampleCatalogue();
  const catalogue: Catalogue = {
    ...sample,
    controllers: sample.controllers.map((c) => (setting === undefined ? c : { ...c, requestDeadline: setting })),
  };
  const deps = memoryDeps(catalogue, fixedClock('2027-04-01T01:00:00.000Z'));
  await ingest(deps, sampleOf('ibk-0001'));
  return deps;
}

const PUBLIC_BODY: RequestDeadlineSetting = { kind: 'public-body', closedDayRule: 'next-working-day' };

describe('registerRequest: the deadline', () => {
  it.each([
    ['no setting: 14 days, as before', undefined, undefined, '2027-04-15T14:59:59.999Z'],
    ['the catalogue\'s public-body rule: 30 days, past Golden Week', PUBLIC_BODY, undefined, '2027-05-06T14:59:59.999Z'],
    ['an explicit deadlineDays wins over the catalogue', PUBLIC_BODY, 14, '2027-04-15T14:59:59.999Z'],
    ['an explicit deadlineDays is not moved', PUBLIC_BODY, 30, '2027-05-01T14:59:59.999Z'],
  ] as const)('%s', async (_case, setting, deadlineDays, want) => {
    // Prepare
    const deps = await worldUnder(setting);
    const input = { ...requestInput('req-1', 'export', 'S-IBK-1001'), ...(deadlineDays === undefined ? {} : { deadlineDays }) };
    // Act
    const request = await registerRequest(deps, input);
    // Assess
    expect(request.deadline).toBe(want);
  });
});
