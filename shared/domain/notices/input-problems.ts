/**
 * Whether a notice input states what its kind must print: a partial
 * disclosure its withheld parts, a refusal its grounds or reason (行政手続法
 * Art. 8, APPI Art. 36), an extension its days and reason (Art. 83(2)).
 */
import type { Problem } from '../../errors.ts';
import { MAX_EXTENSION_DAYS } from '../request-deadlines.ts';
import { noticeSettingProblems, noticeTextProblems } from './setting-problems.ts';
import { ADVERSE_NOTICE_KINDS, NOTICE_KINDS, type NoticeInput, type NoticeKind } from './types.ts';
import { kindFamily, requestFamily } from './wording.ts';

/**
 * The kinds each decision detail belongs to: a detail on another kind
 * would contradict it (withheld parts on a full disclosure).
 */
const FIELD_KINDS: Readonly<Record<'withheld' | 'grounds' | 'reason' | 'correctedFields' | 'disclosure', readonly NoticeKind[]>> = {
  withheld: ['partial-disclosure', 'non-disclosure'],
  grounds: ADVERSE_NOTICE_KINDS,
  reason: ADVERSE_NOTICE_KINDS,
  correctedFields: ['correction'],
  disclosure: ['disclosure', 'partial-disclosure'],
};

function instantProblems(value: string | undefined, path: string): Problem[] {
  return value === undefined || Number.isNaN(Date.parse(value)) ? [{ path, message: 'must be an ISO instant' }] : [];
}

function listProblems(values: readonly string[] | undefined, path: string, what: string): Problem[] {
  if (values === undefined || values.length === 0) {
    return [{ path, message: `this kind of notice must state ${what}` }];
  }
  return values.flatMap((v, i) => noticeTextProblems(v, `${path}[${i}]`, true));
}

function requestProblems(input: NoticeInput): Problem[] {
  const r = input.request;
  const problems = [
    ...noticeTextProblems(r.requestId, 'request.requestId', false),
    ...instantProblems(r.receivedAt, 'request.receivedAt'),
    ...instantProblems(r.decidedAt, 'request.decidedAt'),
    ...instantProblems(r.deadline, 'request.deadline'),
  ];
  const family = requestFamily(r.type);
  const wanted = kindFamily(input.kind);
  if (family === undefined || (wanted !== undefined && family !== wanted)) {
    problems.push({ path: 'request.type', message: `a ${input.kind} notice does not answer a ${r.type} request` });
  }
  const x = r.extension;
  if (input.kind === 'extension' && x === undefined) {
    problems.push({ path: 'request.extension', message: 'an extension notice must state the days added and the reason' });
  }
  if (x !== undefined) {
    if (!Number.isInteger(x.days) || x.days < 1 || x.days > MAX_EXTENSION_DAYS) {
      problems.push({ path: 'request.extension.days', message: `must be a whole number from 1 to ${MAX_EXTENSION_DAYS}` });
    }
    problems.push(...noticeTextProblems(x.reason, 'request.extension.reason', true));
    if (x.previousDeadline !== undefined) {
      problems.push(...instantProblems(x.previousDeadline, 'request.extension.previousDeadline'));
    }
  }
  return problems;
}

function decisionProblems(input: NoticeInput): Problem[] {
  const d = input.decision;
  const problems: Problem[] = [];
  const kind = input.kind;
  if (kind === 'partial-disclosure' || d.withheld !== undefined) {
    const items = d.withheld ?? [];
    if (items.length === 0) {
      problems.push({ path: 'decision.withheld', message: 'a partial disclosure must state each part withheld and its ground' });
    }
    items.forEach((w, i) => {
      problems.push(...noticeTextProblems(w.label, `decision.withheld[${i}].label`, true));
      problems.push(...noticeTextProblems(w.ground, `decision.withheld[${i}].ground`, true));
    });
  }
  if (kind === 'non-disclosure' || d.grounds !== undefined) {
    problems.push(...listProblems(d.grounds, 'decision.grounds', 'the legal grounds'));
  }
  if (kind === 'correction' || d.correctedFields !== undefined) {
    problems.push(...listProblems(d.correctedFields, 'decision.correctedFields', 'the fields corrected'));
  }
  if (kind === 'non-correction' || kind === 'non-suspension' || d.reason !== undefined) {
    problems.push(...noticeTextProblems(d.reason, 'decision.reason', true));
  }
  for (const [key, kinds] of Object.entries(FIELD_KINDS)) {
    if (d[key as keyof typeof FIELD_KINDS] !== undefined && !kinds.includes(kind)) {
      problems.push({ path: `decision.${key}`, message: `a ${kind} notice does not state it (only ${kinds.join(', ')})` });
    }
  }
  for (const key of ['method', 'date', 'place'] as const) {
    const text = d.disclosure?.[key];
    if (text !== undefined) problems.push(...noticeTextProblems(text, `decision.disclosure.${key}`, true));
  }
  if (d.records !== undefined && (!Number.isInteger(d.records) || d.records < 0)) {
    problems.push({ path: 'decision.records', message: 'must be a whole number from 0' });
  }
  for (const [path, text] of [['decision.subject', d.subject], ['documentSerial', input.documentSerial]] as const) {
    if (text !== undefined) problems.push(...noticeTextProblems(text, path, false));
  }
  if (d.notes !== undefined) {
    problems.push(...d.notes.flatMap((n, i) => noticeTextProblems(n, `decision.notes[${i}]`, true)));
  }
  return problems;
}

/**
 * Every problem of a notice input, each named by its path; the setting's
 * problems under `setting`.
 */
export function noticeInputProblems(input: NoticeInput): Problem[] {
  if (!NOTICE_KINDS.includes(input.kind)) {
    return [{ path: 'kind', message: `must be one of ${NOTICE_KINDS.join(', ')}` }];
  }
  const setting = input.setting === undefined
    ? []
    : noticeSettingProblems(input.setting, 'setting', { publicBody: input.controller.publicBody });
  return [...setting, ...requestProblems(input), ...decisionProblems(input)];
}
