import { describe, expect, it } from 'vitest';
import { fixedClock, type MemoryDeps, memoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import type { RequestDeadlineSetting } from '#shared/domain/request-deadlines.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { sampleCatalogue } from '../../fixtures/catalogue.ts';
import { ingest, requestInput, sampleOf } from './world.ts';

/** The sample world on 1 Apr 2027 10:00 JST, every controller under `setting` (none: no controller states one). */
async function worldUnder(setting: RequestDeadlineSetting | undefined): Promise<MemoryDeps> {
  const sample = sampleCatalogue();
  const catalogue: Catalogue = {
    ...sample,
    controllers: sample.controllers.map(({ requestDeadline: _own, ...c }) => (setting === undefined ? c : { ...c, requestDeadline: setting })),
  };
  const deps = memoryDeps(catalogue, fixedClock('2027-04-01T01:00:00.000Z'));
  await ingest(deps, sampleOf('ibk-0001'));
  return deps;
}

const PUBLIC_BODY: RequestDeadlineSetting = { kind: 'public-body', closedDayRule: 'next-working-day' };

describe('registerRequest: the deadline', () => {
  it.each([
    ['no controller states one: 14 days, as before', undefined, undefined, '2027-04-15T14:59:59.999Z'],
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

  it('takes the sample prefecture\'s own rule (30 days, year-end closure): the request goes to the controller of the subject\'s records', async () => {
    // Prepare
    const deps = memoryDeps(sampleCatalogue(), fixedClock('2027-04-01T01:00:00.000Z'));
    await ingest(deps, sampleOf('ibk-0001', 'gnm-0002'));
    // Act
    const prefecture = await registerRequest(deps, requestInput('req-p', 'export', 'S-IBK-1001'));
    const business = await registerRequest(deps, requestInput('req-b', 'export', 'S-GNM-2002'));
    // Assess
    expect(prefecture).toMatchObject({ controllerId: 'ibaraki-pref', deadline: '2027-05-06T14:59:59.999Z' });
    expect(business).toMatchObject({ controllerId: 'gunma-yorozu', deadline: '2027-04-15T14:59:59.999Z' });
  });
});
