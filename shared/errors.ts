/**
 * Typed errors: the contract between use cases, handlers, the CLI and the
 * state machines. Step Functions `Retry`/`Catch` match on `error.name`, so
 * infra imports {@link ERROR_NAMES} rather than typing string literals.
 */

/** Names of every error a task may raise; used in `ErrorEquals`. */
export const ERROR_NAMES = {
  lifecycle: 'LifecycleError',
  validation: 'ValidationError',
  policy: 'PolicyError',
  refused: 'RefusedError',
  notFound: 'NotFoundError',
  conflict: 'ConflictError',
  transient: 'TransientStoreError',
  keyUnavailable: 'KeyUnavailableError',
  integrity: 'IntegrityError',
  config: 'ConfigError',
} as const;

/** One problem found in an input, with the path of the offending value. */
export interface Problem {
  /** Where: `datasets[2].retention.period`, `line 4: fields.myNumber`. */
  readonly path: string;
  /** Why, in one sentence. */
  readonly message: string;
}

/** Base of every error wasure raises on purpose. */
export class LifecycleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.lifecycle;
  }
}

/** Input does not have the required shape; carries every problem found. */
export class ValidationError extends LifecycleError {
  readonly problems: readonly Problem[];
  constructor(
    message: string,
    problems: readonly Problem[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = ERROR_NAMES.validation;
    this.problems = problems;
  }
}

/** The policy catalogue is invalid or does not allow what was asked. */
export class PolicyError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.policy;
  }
}

/** A rule forbids the action (e.g. sensitive data without consent). */
export class RefusedError extends LifecycleError {
  readonly reasons: readonly string[];
  constructor(message: string, reasons: readonly string[] = [message]) {
    super(message);
    this.name = ERROR_NAMES.refused;
    this.reasons = reasons;
  }
}

/** The named record, subject or object does not exist. */
export class NotFoundError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.notFound;
  }
}

/** A conditional write lost a race; the caller may re-read and retry. */
export class ConflictError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.conflict;
  }
}

/** A store throttled or failed in a way worth retrying. */
export class TransientStoreError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.transient;
  }
}

/** A subject's data key is gone (crypto-shredded) or cannot be unwrapped. */
export class KeyUnavailableError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.keyUnavailable;
  }
}

/** Stored evidence does not verify (audit chain, checkpoint, checksum). */
export class IntegrityError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.integrity;
  }
}

/** Required configuration is missing or malformed. */
export class ConfigError extends LifecycleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ERROR_NAMES.config;
  }
}

/** Narrows an unknown catch value to an Error. */
export function assertIsError(value: unknown): asserts value is Error {
  if (!(value instanceof Error)) {
    throw new Error(`non-error thrown: ${String(value)}`);
  }
}
