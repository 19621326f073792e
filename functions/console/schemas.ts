/**
 * The console's input schemas (zod): every body and path parameter is
 * parsed here before a use case sees it. Personal values (subject ids,
 * agent and evidence references) only ever arrive in JSON or form bodies.
 */
import { z } from 'zod';
import { BREACH_ID_PATTERN } from '#shared/domain/breach/report-id.ts';
import { OPERATOR_PATTERN } from '#shared/domain/request-approval.ts';
import { REQUEST_ID_PATTERN, REQUEST_TYPES, VERIFICATION_METHODS } from '#shared/domain/requests.ts';
import { SWEEP_ORDER_PATTERN } from '#shared/domain/sweep-order.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const operator = z.string().regex(OPERATOR_PATTERN, 'is not an operator id: 1 to 128 letters, digits, ".", "_", "@", ":", "/" or "-" (a staff id, not a name)');

export const loginSchema = z.strictObject({
  token: z.string().min(1, 'is required').max(100, 'is not a login token'),
  operator,
});

export const requestIdSchema = z.string().regex(REQUEST_ID_PATTERN, 'is not a request id');

export const REQUESTER_KINDS = ['subject', 'statutory-agent-minor', 'statutory-agent-adult-ward', 'delegated-agent'] as const;

export const fileRequestSchema = z.strictObject({
  type: z.enum(REQUEST_TYPES),
  subjectId: text(128).optional(),
  requester: z.strictObject({ kind: z.enum(REQUESTER_KINDS), agentRef: text(128).optional() }),
  verification: z.strictObject({ method: z.enum(VERIFICATION_METHODS), evidenceRef: text(128) }),
  params: z
    .strictObject({
      recordId: text(128).optional(),
      set: z.record(z.string().max(64), z.string().max(10_000)).optional(),
      unset: z.array(z.string().max(64)).max(64).optional(),
    })
    .optional(),
  deadlineDays: z.int().min(1).max(90).optional(),
  controllerId: text(64).optional(),
});

export const decisionSchema = z.strictObject({ reason: z.string().max(1000, 'at most 1000 characters').optional() });
export const extendSchema = z.strictObject({ days: z.int().min(1, 'from 1 to 30').max(30, 'from 1 to 30'), reason: text(1000) });
export const pauseSchema = z.strictObject({ reason: text(1000) });
export const emptySchema = z.strictObject({});

const target = z.union([z.strictObject({ recordId: text(128) }), z.strictObject({ subjectId: text(128) })], {
  error: 'give either recordId or subjectId',
});
export const holdAddSchema = z.strictObject({ target, reason: text(1000) });
export const holdRemoveSchema = z.strictObject({ target, holdId: text(128).optional() });

export const auditLogSchema = z.strictObject({
  subjectId: text(128).optional(),
  since: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time' }).optional(),
  limit: z.int().min(1).max(1000).optional(),
});
export const verifySchema = z.strictObject({ full: z.boolean().optional() });

/** Parses `value` with `schema` or throws the problems as a ValidationError, by path. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: Problem[] = result.error.issues.map((i) => ({
    path: i.path.length === 0 ? '(body)' : i.path.map(String).join('.'),
    message: i.message,
  }));
  throw new ValidationError(`${what}: the input is not acceptable`, problems);
}

/** A sweep order id in a path (generated `SO-…`, nothing personal). */
export const sweepOrderIdSchema = z.string().regex(SWEEP_ORDER_PATTERN, 'is not a sweep order id (SO-…)');

const BREACH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const flagField = z.boolean().optional();
const count = z.int('must be a whole number').min(0, 'must be 0 or more').max(100_000_000, 'is too large').optional();
const recordIdField = z.string().regex(/^[^\s]{1,128}$/, 'is not a record id (1 to 128 characters, no spaces)');

/**
 * A breach assessment as `wasure breach assess` takes it (its options by
 * name): the affected records or one dataset, the incident flags, when it
 * was discovered and happened, its manner, the thresholds and the 速報/確報
 * draft details. The times and days are checked against now by the domain.
 */
export const breachAssessSchema = z
  .strictObject({
    records: z
      .array(z.union([recordIdField, z.strictObject({ recordId: recordIdField, fields: z.array(text(128)).max(256).optional() })], { error: 'each is a record id or { recordId, fields }' }))
      .min(1, 'lists no record ids')
      .max(100_000, 'at most 100000 records')
      .optional(),
    dataset: text(64).optional(),
    improperPurpose: flagField,
    keyExposed: flagField,
    publicExposure: flagField,
    myNumberSystem: flagField,
    discovered: z.string().regex(BREACH_TIME, 'is not an ISO-8601 date-time with Z or an offset (2026-11-22T10:00+09:00)').optional(),
    occurred: text(40).optional(),
    manners: z.array(z.enum(['leak', 'loss', 'damage'], 'is not leak, loss or damage (漏えい, 滅失, 毀損)')).max(3).optional(),
    threshold: count,
    myNumberThreshold: count,
    delegatedTo: z.string().max(200, 'at most 200 characters').optional(),
    breachId: z.string().regex(BREACH_ID_PATTERN, 'must be 1 to 64 letters, digits, ".", "_" or "-"').optional(),
    preliminaryFiled: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day (YYYY-MM-DD)').optional(),
  })
  .refine((x) => (x.records === undefined) !== (x.dataset === undefined), { path: ['records'], message: 'give exactly one of records and dataset' });

/** What the console's breach form sends back, before it becomes {@link breachAssessSchema}'s shape. */
export type BreachAssessInput = z.infer<typeof breachAssessSchema>;
