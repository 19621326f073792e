/**
 * Validation and look-ups of the policy catalogue. Validation reports every
 * problem with its path, e.g.
 * `datasets[2].retention.period: "5 years" is not an ISO-8601 duration`.
 */
import { type Problem, ValidationError } from '../errors.ts';
import {
  type Catalogue,
  type CategoryKind,
  type Dataset,
  DEFAULT_QUARANTINE_RETENTION_DAYS,
  type RetentionBasis,
} from './catalogue-types.ts';
import { isDuration } from './duration.ts';
import { deadlineSettingProblems } from './request-deadlines.ts';
import { reporterSettingProblems } from './breach/reporter.ts';
import { noticeSettingProblems } from './notices/setting-problems.ts';
import { approvalSettingProblems } from './request-approval.ts';

export type * from './catalogue-types.ts';
export { SEALED_KINDS } from './catalogue-types.ts';

const CATEGORY_KINDS: readonly CategoryKind[] = [
  'basic',
  'identifier',
  'sensitive',
  'my-number',
  'financial',
];
const BASES: readonly RetentionBasis[] = [
  'law',
  'contract',
  'consent',
  'necessity',
];
const ID = /^[a-z0-9][a-z0-9-]*$/;
const TRIGGER = /^(acquired|last-activity|event:[a-z0-9][a-z0-9-]*)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Obj = Record<string, unknown>;

class Checker {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  obj(value: unknown, path: string): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, 'must be an object');
      return undefined;
    }
    return value as Obj;
  }

  arr(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) {
      this.add(path, 'must be an array');
      return [];
    }
    return value;
  }

  str(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(path, 'must be a non-empty string');
      return undefined;
    }
    return value;
  }

  id(value: unknown, path: string): string | undefined {
    const s = this.str(value, path);
    if (s !== undefined && !ID.test(s)) {
      this.add(path, `"${s}" is not an id (lower-case letters, digits, -)`);
    }
    return s;
  }

  bool(value: unknown, path: string): void {
    if (typeof value !== 'boolean') {
      this.add(path, 'must be true or false');
    }
  }

  label(value: unknown, path: string): void {
    const o = this.obj(value, path);
    if (o !== undefined) {
      this.str(o.ja, `${path}.ja`);
      this.str(o.en, `${path}.en`);
    }
  }

  strings(value: unknown, path: string): string[] {
    return this.arr(value, path).flatMap((v, i) => {
      const s = this.str(v, `${path}[${i}]`);
      return s === undefined ? [] : [s];
    });
  }

  refs(value: unknown, path: string, known: ReadonlySet<string>, what: string) {
    this.strings(value, path).forEach((ref, i) => {
      if (!known.has(ref)) {
        this.add(`${path}[${i}]`, `unknown ${what} "${ref}"`);
      }
    });
  }

  uniqueIds(items: unknown[], path: string): Set<string> {
    const ids = new Set<string>();
    items.forEach((item, i) => {
      const o = this.obj(item, `${path}[${i}]`);
      const id = o === undefined ? undefined : this.id(o.id, `${path}[${i}].id`);
      if (id !== undefined) {
        if (ids.has(id)) {
          this.add(`${path}[${i}].id`, `duplicate id "${id}"`);
        }
        ids.add(id);
      }
    });
    return ids;
  }

  retention(value: unknown, path: string): void {
    const o = this.obj(value, path);
    if (o === undefined) {
      return;
    }
    if (!BASES.includes(o.basis as RetentionBasis)) {
      this.add(`${path}.basis`, `must be one of ${BASES.join(', ')}`);
    }
    this.str(o.legalRef, `${path}.legalRef`);
    const period = this.str(o.period, `${path}.period`);
    if (period !== undefined && !isDuration(period)) {
      this.add(
        `${path}.period`,
        `"${period}" is not an ISO-8601 duration (e.g. P5Y, P30D)`,
      );
    }
    const trigger = this.str(o.trigger, `${path}.trigger`);
    if (trigger !== undefined && !TRIGGER.test(trigger)) {
      this.add(
        `${path}.trigger`,
        `"${trigger}" must be acquired, last-activity or event:NAME`,
      );
    }
  }
}

function checkDataset(
  c: Checker,
  value: unknown,
  path: string,
  known: {
    controllers: Set<string>;
    purposes: Set<string>;
    recipients: Set<string>;
    processors: Set<string>;
    exceptions: Set<string>;
  },
): void {
  const d = c.obj(value, path);
  if (d === undefined) {
    return;
  }
  c.label(d.name, `${path}.name`);
  c.refs([d.controller], `${path}.controller`, known.controllers, 'controller');
  c.refs(d.purposes, `${path}.purposes`, known.purposes, 'purpose');
  if (Array.isArray(d.purposes) && d.purposes.length === 0) {
    c.add(`${path}.purposes`, 'a dataset needs at least one purpose of use');
  }
  const kinds = new Set<string>();
  c.strings(d.categories, `${path}.categories`).forEach((k, i) => {
    if (!CATEGORY_KINDS.includes(k as CategoryKind)) {
      c.add(
        `${path}.categories[${i}]`,
        `"${k}" is not a category (${CATEGORY_KINDS.join(', ')})`,
      );
    }
    kinds.add(k);
  });
  const fields = c.obj(d.fields, `${path}.fields`) ?? {};
  for (const [name, spec] of Object.entries(fields)) {
    const fp = `${path}.fields.${name}`;
    const f = c.obj(spec, fp);
    if (f === undefined) {
      continue;
    }
    const cat = f.category as string;
    if (!CATEGORY_KINDS.includes(cat as CategoryKind)) {
      c.add(`${fp}.category`, `"${String(cat)}" is not a category`);
    } else if (!kinds.has(cat)) {
      c.add(
        `${fp}.category`,
        `"${cat}" is not among the dataset's categories`,
      );
    }
    c.label(f.label, `${fp}.label`);
    if (f.nonDisclosure !== undefined) {
      c.str(f.nonDisclosure, `${fp}.nonDisclosure`);
    }
  }
  c.bool(d.documents, `${path}.documents`);
  c.retention(d.retention, `${path}.retention`);
  c.refs(d.recipients, `${path}.recipients`, known.recipients, 'recipient');
  c.refs(d.processors, `${path}.processors`, known.processors, 'processor');
  c.refs(
    d.sensitiveExceptions,
    `${path}.sensitiveExceptions`,
    known.exceptions,
    'exception basis',
  );
}

/** Longest quarantine retention accepted: refused data is not an archive. */
const MAX_QUARANTINE_DAYS = 365;

function checkQuarantine(c: Checker, value: unknown): void {
  const q = c.obj(value, 'quarantine');
  if (q === undefined) {
    return;
  }
  for (const name of Object.keys(q).filter((k) => k !== 'retentionDays')) {
    c.add(`quarantine.${name}`, 'is not a quarantine setting (retentionDays)');
  }
  const days = q.retentionDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_QUARANTINE_DAYS) {
    c.add(
      'quarantine.retentionDays',
      `must be a whole number of days from 1 to ${MAX_QUARANTINE_DAYS}, not ${JSON.stringify(days) ?? 'undefined'}`,
    );
  }
}

/** Days refused landing data is kept under the catalogue (default 30). */
export function quarantineRetentionDays(catalogue: Catalogue): number {
  return catalogue.quarantine?.retentionDays ?? DEFAULT_QUARANTINE_RETENTION_DAYS;
}

/** Every problem in a catalogue document; empty when it is valid. */
export function checkCatalogue(raw: unknown): Problem[] {
  const c = new Checker();
  const root = c.obj(raw, '(root)');
  if (root === undefined) {
    return c.problems;
  }
  if (root.schemaVersion !== 1) {
    c.add('schemaVersion', 'must be 1');
  }
  c.str(root.version, 'version');
  const from = c.str(root.effectiveFrom, 'effectiveFrom');
  if (from !== undefined && !DATE.test(from)) {
    c.add('effectiveFrom', `"${from}" is not a date (YYYY-MM-DD)`);
  }
  if (root.language !== undefined && root.language !== 'ja' && root.language !== 'en') {
    c.add('language', 'must be "ja" or "en" (the language of the CLI\'s refusals and errors)');
  }
  const controllers = c.arr(root.controllers, 'controllers');
  const purposes = c.arr(root.purposes, 'purposes');
  const exceptions = c.arr(root.exceptions, 'exceptions');
  const recipients = c.arr(root.recipients, 'recipients');
  const processors = c.arr(root.processors, 'processors');
  const known = {
    controllers: c.uniqueIds(controllers, 'controllers'),
    purposes: c.uniqueIds(purposes, 'purposes'),
    exceptions: c.uniqueIds(exceptions, 'exceptions'),
    recipients: c.uniqueIds(recipients, 'recipients'),
    processors: c.uniqueIds(processors, 'processors'),
  };
  const each = (items: unknown[], path: string, check: (o: Obj, p: string) => void) => {
    items.forEach((item, i) => {
      const o = c.obj(item, `${path}[${i}]`);
      if (o !== undefined) {
        check(o, `${path}[${i}]`);
      }
    });
  };
  each(controllers, 'controllers', (o, p) => {
    c.label(o.name, `${p}.name`);
    for (const key of ['address', 'representative', 'requestContact', 'complaintContact']) {
      c.str(o[key], `${p}.${key}`);
    }
    c.bool(o.publicBody, `${p}.publicBody`);
    c.strings(o.securityMeasures, `${p}.securityMeasures`);
    if (o.requestDeadline !== undefined) {
      c.problems.push(...deadlineSettingProblems(o.requestDeadline, `${p}.requestDeadline`));
    }
    if (o.approval !== undefined) {
      c.problems.push(...approvalSettingProblems(o.approval, `${p}.approval`));
    }
    if (o.notices !== undefined) {
      c.problems.push(...noticeSettingProblems(o.notices, `${p}.notices`, { publicBody: o.publicBody === true }));
    }
    if (o.breachReporter !== undefined) {
      c.problems.push(...reporterSettingProblems(o.breachReporter, `${p}.breachReporter`));
    }
  });
  each(purposes, 'purposes', (o, p) => {
    c.label(o.label, `${p}.label`);
  });
  each(exceptions, 'exceptions', (o, p) => {
    c.label(o.label, `${p}.label`);
    c.str(o.legalRef, `${p}.legalRef`);
  });
  const bases = new Set(['consent', 'joint-use', ...known.exceptions]);
  each(recipients, 'recipients', (o, p) => {
    c.label(o.name, `${p}.name`);
    c.refs(o.bases, `${p}.bases`, bases, 'provision basis');
    c.strings(o.excludedFields, `${p}.excludedFields`);
    c.strings(o.purposes, `${p}.purposes`);
  });
  each(processors, 'processors', (o, p) => {
    c.str(o.name, `${p}.name`);
    c.str(o.scope, `${p}.scope`);
  });
  c.retention(root.provisionRecords, 'provisionRecords');
  if (root.quarantine !== undefined) {
    checkQuarantine(c, root.quarantine);
  }
  const datasets = c.arr(root.datasets, 'datasets');
  c.uniqueIds(datasets, 'datasets');
  datasets.forEach((d, i) => {
    checkDataset(c, d, `datasets[${i}]`, known);
  });
  return c.problems;
}

/** Parses and validates; throws {@link ValidationError} with every problem. */
export function parseCatalogue(raw: unknown): Catalogue {
  const problems = checkCatalogue(raw);
  if (problems.length > 0) {
    throw new ValidationError(
      `policy catalogue has ${problems.length} problem(s)`,
      problems,
    );
  }
  return raw as Catalogue;
}

/** The dataset with this id, if any. */
export function findDataset(
  catalogue: Catalogue,
  id: string,
): Dataset | undefined {
  return catalogue.datasets.find((d) => d.id === id);
}
