/**
 * Statutory deadlines of subject requests per controller, in Japan time.
 * A business answers within its own period (14 days by default: a suit is
 * possible two weeks after a request, APPI Art. 39). A public body decides
 * within 30 days (APPI Art. 83(1)), which an ordinance may shorten, and may
 * extend that once by up to 30 days with a written reason (Art. 83(2)).
 * Where the controller says so, a period ending on a Saturday, Sunday,
 * public holiday or closed day ends on the next working day instead.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { jstDate, jstDeadline } from './jst.ts';
import { DEFAULT_REQUEST_DEADLINE_DAYS } from './requests.ts';

/** Whose period applies: a business's own, or a public body's (Art. 83). */
export type DeadlineKind = 'business' | 'public-body';

/** Whether a period ending on a closed day moves to the next working day. */
export type ClosedDayRule = 'next-working-day' | 'none';

/** Longest first period of a public body (APPI Art. 83(1)). */
export const PUBLIC_BODY_DEADLINE_DAYS = 30;

/** Longest extension of a public body's period (APPI Art. 83(2)). */
export const MAX_EXTENSION_DAYS = 30;

/** Longest period a business may set for itself (as `deadlineDays`). */
export const MAX_BUSINESS_DEADLINE_DAYS = 90;

/**
 * Days the controller's office is closed every year, as an inclusive range
 * of month-days (`MM-DD`). A range whose `from` is after its `to` runs over
 * the year end: `{ from: '12-29', to: '01-03' }`.
 */
export interface ClosedDateRange {
  /** First closed day (`MM-DD`). */
  readonly from: string;
  /** Last closed day (`MM-DD`), inclusive. */
  readonly to: string;
}

/** A controller's rule for the deadline of a subject request. */
export interface RequestDeadlineRule {
  /** Business (own period) or public body (Art. 83). */
  readonly kind: DeadlineKind;
  /**
   * Calendar days after the day of receipt: 1 to 90 for a business, 1 to
   * 30 for a public body. @default 14 for a business, 30 for a public body
   */
  readonly days: number;
  /** Whether a period ending on a closed day moves. @default 'none' */
  readonly closedDayRule: ClosedDayRule;
  /** Yearly closed days besides weekends and public holidays. @default [] */
  readonly closedDates: readonly ClosedDateRange[];
}

/** Today's rule when a controller says nothing: a business, 14 days, no move. */
export const DEFAULT_DEADLINE_RULE: RequestDeadlineRule = {
  kind: 'business',
  days: DEFAULT_REQUEST_DEADLINE_DAYS,
  closedDayRule: 'none',
  closedDates: [],
};

/** A request's deadline and its one extension, if any. */
export interface DeadlineState {
  /** End of the last day (ISO instant, 23:59:59.999 JST). */
  readonly deadline: string;
  /** The extension granted (Art. 83(2)), if one was. */
  readonly extension?: {
    /** Days added. */
    readonly days: number;
    /** The written reason given to the requester. */
    readonly reason: string;
  };
}

const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Whether `value` is a month-day (`MM-DD`) that exists in some year. */
export function isMonthDay(value: string): boolean {
  const m = MONTH_DAY.exec(value);
  if (m === null) {
    return false;
  }
  const [month, day] = [Number(m[1]), Number(m[2])];
  return day <= new Date(Date.UTC(2000, month, 0)).getUTCDate();
}

/** Whether a JST date (YYYY-MM-DD) is a national holiday in the table. */
export function isPublicHoliday(date: string): boolean {
  return Object.hasOwn(holidayJp.holidays, date);
}

/**
 * Whether a JST date (YYYY-MM-DD) is a closed day: Saturday, Sunday,
 * public holiday (振替休日 and 国民の休日 included) or one of `closedDates`.
 */
export function isClosedDay(
  date: string,
  closedDates: readonly ClosedDateRange[],
): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6 || isPublicHoliday(date)) {
    return true;
  }
  const md = date.slice(5);
  return closedDates.some((r) =>
    r.from <= r.to ? md >= r.from && md <= r.to : md >= r.from || md <= r.to,
  );
}

/** Moves an end-of-day deadline past closed days when the rule says so. */
function moveOffClosedDays(end: Date, rule: RequestDeadlineRule): Date {
  let moved = end;
  // A year has at most 366 days: a bound guards a closure covering all.
  for (let i = 0; i < 366 && rule.closedDayRule === 'next-working-day'; i++) {
    if (!isClosedDay(jstDate(moved), rule.closedDates)) {
      return moved;
    }
    moved = jstDeadline(moved, 1);
  }
  return moved;
}

/**
 * The statutory deadline of a request received at `receivedAt` under the
 * controller's rule: the end (23:59:59.999 JST) of the `days`-th day after
 * the day of receipt, moved to the next working day where the rule says so.
 * @example statutoryDeadline(new Date('2027-04-05T01:00:00Z'),
 *   { kind: 'public-body', days: 30, closedDayRule: 'next-working-day',
 *     closedDates: [] }) // '2027-05-06T14:59:59.999Z'
 */
export function statutoryDeadline(
  receivedAt: Date,
  rule: RequestDeadlineRule = DEFAULT_DEADLINE_RULE,
): string {
  return moveOffClosedDays(jstDeadline(receivedAt, rule.days), rule).toISOString();
}

/**
 * Extends a deadline once (Art. 83(2)) by 1 to 30 days counted from the
 * current deadline's day (itself perhaps already moved), then moved past
 * closed days again. Refused with a {@link ValidationError} naming the
 * field: a second extension, days outside 1..30, a blank reason.
 */
export function extendDeadline(
  current: DeadlineState,
  rule: RequestDeadlineRule,
  days: number,
  reason: string,
): DeadlineState {
  const problems: Problem[] = [];
  if (current.extension !== undefined) {
    problems.push({ path: 'extension', message: 'the period was already extended once; Art. 83(2) allows one extension' });
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXTENSION_DAYS) {
    problems.push({ path: 'days', message: `must be a whole number from 1 to ${MAX_EXTENSION_DAYS}, not ${days}` });
  }
  if (reason.trim() === '') {
    problems.push({ path: 'reason', message: 'an extension needs a written reason' });
  }
  if (problems.length > 0) {
    throw new ValidationError('the deadline cannot be extended', problems);
  }
  const end = jstDeadline(new Date(current.deadline), days);
  return {
    deadline: moveOffClosedDays(end, rule).toISOString(),
    extension: { days, reason: reason.trim() },
  };
}

/**
 * A deadline moved `days` later (the days a paused request's clock stood
 * still), then past closed days under the rule; 0 days leaves it as it is.
 */
export function shiftDeadline(deadline: string, days: number, rule: RequestDeadlineRule): string {
  if (days <= 0) return deadline;
  return moveOffClosedDays(jstDeadline(new Date(deadline), days), rule).toISOString();
}

/**
 * A controller's deadline setting as the catalogue states it: only `kind`
 * is required. @example `{ "kind": "public-body", "days": 15,
 * "closedDayRule": "next-working-day", "closedDates": [{ "from": "12-29",
 * "to": "01-03" }] }`
 */
export interface RequestDeadlineSetting {
  /** Business or public body. */
  readonly kind: DeadlineKind;
  /** Days. @default 14 for a business, 30 for a public body */
  readonly days?: number;
  /** Whether a period ending on a closed day moves. @default 'none' */
  readonly closedDayRule?: ClosedDayRule;
  /** Yearly closed days. @default [] */
  readonly closedDates?: readonly ClosedDateRange[];
}

const SETTING_KEYS = ['kind', 'days', 'closedDayRule', 'closedDates'];

/** The full rule of a setting; an absent setting is {@link DEFAULT_DEADLINE_RULE}. */
export function deadlineRule(setting?: RequestDeadlineSetting): RequestDeadlineRule {
  if (setting === undefined) {
    return DEFAULT_DEADLINE_RULE;
  }
  return {
    kind: setting.kind,
    days: setting.days ?? (setting.kind === 'public-body' ? PUBLIC_BODY_DEADLINE_DAYS : DEFAULT_REQUEST_DEADLINE_DAYS),
    closedDayRule: setting.closedDayRule ?? 'none',
    closedDates: setting.closedDates ?? [],
  };
}

/** Every problem of a catalogue deadline setting at `path`, named by path. */
export function deadlineSettingProblems(value: unknown, path: string): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'must be an object' }];
  }
  const s = value as Record<string, unknown>;
  const problems: Problem[] = Object.keys(s)
    .filter((k) => !SETTING_KEYS.includes(k))
    .map((k) => ({ path: `${path}.${k}`, message: `is not a deadline setting (${SETTING_KEYS.join(', ')})` }));
  const kind = s.kind;
  if (kind !== 'business' && kind !== 'public-body') {
    problems.push({ path: `${path}.kind`, message: 'must be business or public-body' });
  }
  const max = kind === 'public-body' ? PUBLIC_BODY_DEADLINE_DAYS : MAX_BUSINESS_DEADLINE_DAYS;
  const days = s.days;
  if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > max)) {
    problems.push({ path: `${path}.days`, message: `must be a whole number of days from 1 to ${max}, not ${JSON.stringify(days)}` });
  }
  const move = s.closedDayRule;
  if (move !== undefined && move !== 'next-working-day' && move !== 'none') {
    problems.push({ path: `${path}.closedDayRule`, message: 'must be next-working-day or none' });
  }
  if (s.closedDates !== undefined) {
    if (!Array.isArray(s.closedDates)) {
      problems.push({ path: `${path}.closedDates`, message: 'must be an array' });
    } else {
      s.closedDates.forEach((r: unknown, i) => {
        problems.push(...closedRangeProblems(r, `${path}.closedDates[${i}]`));
      });
    }
  }
  return problems;
}

function closedRangeProblems(value: unknown, path: string): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'must be an object with from and to (MM-DD)' }];
  }
  const r = value as Record<string, unknown>;
  return ['from', 'to'].flatMap((k) =>
    typeof r[k] === 'string' && isMonthDay(r[k])
      ? []
      : [{ path: `${path}.${k}`, message: `${JSON.stringify(r[k]) ?? 'undefined'} is not a month-day (MM-DD)` }],
  );
}

/**
 * The deadline of a request to a catalogue's controllers: the earliest of
 * their statutory deadlines, since a request does not name one controller
 * and answering by the earliest breaks none (a controller without a
 * setting counts as {@link DEFAULT_DEADLINE_RULE}; no controllers too).
 */
export function controllersDeadline(
  receivedAt: Date,
  settings: readonly (RequestDeadlineSetting | undefined)[],
): string {
  const all = settings.length === 0 ? [undefined] : settings;
  return all.map((s) => statutoryDeadline(receivedAt, deadlineRule(s))).sort()[0] as string;
}
