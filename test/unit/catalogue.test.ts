import { describe, expect, it } from 'vitest';
import { checkCatalogue, parseCatalogue } from '#shared/domain/catalogue.ts';
import { ValidationError } from '#shared/errors.ts';
import { rawSampleCatalogue } from '../fixtures/catalogue.ts';

type Raw = Record<string, any>;

describe('policy catalogue validation', () => {
  it('accepts the sample catalogue derived from the seeds', () => {
    expect(checkCatalogue(rawSampleCatalogue())).toEqual([]);
  });

  it.each([
    [
      'a period that is not ISO-8601',
      (c: Raw) => {
        c.datasets[2].retention.period = '5 years';
      },
      'datasets[2].retention.period',
      '"5 years" is not an ISO-8601 duration',
    ],
    [
      'an unknown trigger',
      (c: Raw) => {
        c.datasets[0].retention.trigger = 'whenever';
      },
      'datasets[0].retention.trigger',
      'must be acquired, last-activity or event:NAME',
    ],
    [
      'an unknown basis',
      (c: Raw) => {
        c.datasets[1].retention.basis = 'habit';
      },
      'datasets[1].retention.basis',
      'must be one of law, contract, consent, necessity',
    ],
    [
      'a purpose that is not defined',
      (c: Raw) => {
        c.datasets[0].purposes.push('ads');
      },
      'datasets[0].purposes[8]',
      'unknown purpose "ads"',
    ],
    [
      'a field category the dataset does not list',
      (c: Raw) => {
        c.datasets[0].fields.name.category = 'sensitive';
      },
      'datasets[0].fields.name.category',
      '"sensitive" is not among the dataset\'s categories',
    ],
    [
      'a duplicate dataset id',
      (c: Raw) => {
        c.datasets[1].id = c.datasets[0].id;
      },
      'datasets[1].id',
      'duplicate id "ibaraki-job-seekers"',
    ],
    [
      'an unknown recipient',
      (c: Raw) => {
        c.datasets[3].recipients = ['nobody'];
      },
      'datasets[3].recipients[0]',
      'unknown recipient "nobody"',
    ],
    [
      'a provision-record period that is not ISO-8601',
      (c: Raw) => {
        c.provisionRecords.period = '3y';
      },
      'provisionRecords.period',
      '"3y" is not an ISO-8601 duration',
    ],
    [
      'a controller without a complaint contact',
      (c: Raw) => {
        delete c.controllers[0].complaintContact;
      },
      'controllers[0].complaintContact',
      'must be a non-empty string',
    ],
  ])('reports %s with its path', (_name, mutate, path, message) => {
    // Prepare
    const raw = rawSampleCatalogue() as Raw;
    mutate(raw);
    // Act
    const problems = checkCatalogue(raw);
    // Assess
    expect(problems).toContainEqual({
      path,
      message: expect.stringContaining(message),
    });
  });

  it('reports every problem, not just the first', () => {
    const raw = rawSampleCatalogue() as Raw;
    raw.datasets[0].retention.period = 'forever';
    raw.datasets[4].retention.period = '10 years';
    raw.version = '';
    const paths = checkCatalogue(raw).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'version',
        'datasets[0].retention.period',
        'datasets[4].retention.period',
      ]),
    );
  });

  it('throws a ValidationError carrying the problems when parsing', () => {
    const raw = rawSampleCatalogue() as Raw;
    raw.schemaVersion = 2;
    expect(() => parseCatalogue(raw)).toThrow(ValidationError);
    try {
      parseCatalogue(raw);
    } catch (error) {
      expect((error as ValidationError).problems).toEqual([
        { path: 'schemaVersion', message: 'must be 1' },
      ]);
    }
  });
});
