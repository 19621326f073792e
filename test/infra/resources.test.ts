/**
 * The resource manifest (shared/config/resources.ts) against what is
 * deployed and documented: each entry has its stack output, each entry
 * with a variable is told to some function (and nothing else is told a
 * `WASURE_*` resource variable outside the manifest), each has a README
 * row, and the three ways of naming resources agree with the manifest.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env.ts';
import {
  LOCAL_NAMES,
  namesFromEnv,
  namesFromOutputs,
  RESOURCE_NAMES,
  RESOURCES,
  requireName,
  resource,
} from '#shared/config/resources.ts';
import { OUTPUTS } from '#shared/config/stack.ts';
import { composeDeps } from '#functions/compose.ts';
import { createApp } from '#infra/create-app.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('the resource manifest', () => {
  let outputs: Set<string>;
  let variablesByFunction: Map<string, Set<string>>;

  beforeAll(() => {
    const app = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stateful = Template.fromStack(app.stateful).toJSON();
    const stateless = Template.fromStack(app.stateless).toJSON();
    outputs = new Set([...Object.keys(stateful.Outputs ?? {}), ...Object.keys(stateless.Outputs ?? {})]);
    variablesByFunction = new Map(
      Object.entries(stateless.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => [
          id,
          new Set(Object.keys((r.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {})),
        ]),
    );
  });

  it.each(RESOURCE_NAMES)('%s has its stack output', (name) => {
    expect([...outputs]).toContain(resource(name).output);
  });

  it.each(RESOURCE_NAMES.filter((n) => resource(n).env !== undefined))('%s is told to some function', (name) => {
    const variable = resource(name).env as string;
    const told = [...variablesByFunction].filter(([, vars]) => vars.has(variable)).map(([id]) => id);
    expect(told.length).toBeGreaterThan(0);
  });

  it('tells functions no WASURE_ variable that is neither a resource nor a setting', () => {
    const known = new Set([
      ...RESOURCE_NAMES.flatMap((n) => resource(n).env ?? []),
      ...Object.values(ENV),
    ]);
    const unknown = [...variablesByFunction].flatMap(([id, vars]) =>
      [...vars].filter((v) => v.startsWith('WASURE_') && !known.has(v)).map((v) => `${id}: ${v}`),
    );
    expect(unknown).toEqual([]);
  });

  it.each(RESOURCE_NAMES)('%s has a README row with its variable, output and local name', (name) => {
    const r = resource(name);
    const row = README.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, `README row for ${name}`).toBeDefined();
    expect(row).toContain(`\`${r.output}\``);
    if (r.env !== undefined) expect(row).toContain(`\`${r.env}\``);
    if (r.local !== undefined) expect(row).toContain(`\`${r.local}\``);
  });

  it('has one name per output, variable and local name, and no output key twice', () => {
    const all = (pick: (n: (typeof RESOURCE_NAMES)[number]) => string | undefined) =>
      RESOURCE_NAMES.flatMap((n) => pick(n) ?? []);
    for (const values of [all((n) => resource(n).output), all((n) => resource(n).env), all((n) => resource(n).local)]) {
      expect(new Set(values).size).toBe(values.length);
    }
    expect(Object.values(OUTPUTS).filter((o) => all((n) => resource(n).output).includes(o))).toEqual([]);
  });

  it('reads the same names from a function environment and from stack outputs', () => {
    const env = Object.fromEntries(RESOURCE_NAMES.flatMap((n) => (resource(n).env === undefined ? [] : [[resource(n).env, `v-${n}`]])));
    const out = Object.fromEntries(RESOURCE_NAMES.map((n) => [resource(n).output, `v-${n}`]));
    const fromOutputs = namesFromOutputs(out);
    for (const [name, value] of Object.entries(namesFromEnv(env))) {
      expect(fromOutputs[name as keyof typeof fromOutputs]).toBe(value);
    }
    expect(Object.keys(LOCAL_NAMES).sort()).toEqual(RESOURCE_NAMES.filter((n) => resource(n).local !== undefined).sort());
    expect(RESOURCES.sweepStateMachine.output).toBe('SweepStateMachineArn');
  });

  it('names the variable and output of a resource a caller was not given, at its first use only', async () => {
    expect(() => requireName({}, 'recordsTable')).toThrow(
      'resource recordsTable is not configured here (environment variable WASURE_RECORDS_TABLE, stack output RecordsTableName)',
    );
    // Composing over nothing succeeds (nothing is called); using a store fails naming it.
    const never = () => {
      throw new Error('no client may be called');
    };
    const client = new Proxy({}, { get: never }) as never;
    const deps = composeDeps({ auditTable: 'a' }, { dynamodb: client, s3: client, kms: client }, {
      mode: 'deployed',
      writer: 'test',
      catalogue: sampleCatalogue(),
      clock: { now: () => new Date(0) },
      ids: { next: () => 'id' },
    });
    await expect(async () => deps.records.get('r1')).rejects.toThrow(/resource recordsTable is not configured here/);
    // A deployed writer without the audit MAC key may not stage (unproven events would not verify).
    await expect(async () => deps.audit.append([])).rejects.toThrow(/resource auditMacKey is not configured here/);
    expect(deps.landing).toBeUndefined();
    expect(deps.exports).toBeUndefined();
  });
});
