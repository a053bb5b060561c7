/**
 * One place for errors. Every error Pipewright raises on purpose carries a string `code`, says whose
 * fault it is (`user`, `system`, `third_party`), and whether trying again can help. Queues and the
 * Slack surface decide what to do from those fields, never from message text.
 */
export type ErrorFault = 'user' | 'system' | 'third_party';

export type ErrorCode =
  | 'config_invalid'
  | 'plan_invalid'
  | 'template_unresolved'
  | 'model_output_invalid'
  | 'model_request_rejected'
  | 'model_unavailable'
  | 'project_not_found'
  | 'project_busy'
  | 'record_corrupt'
  | 'slack_api_failed'
  | 'budget_exceeded'
  | 'event_not_recorded'
  | 'unexpected';

export class PipewrightError extends Error {
  readonly code: ErrorCode;
  readonly fault: ErrorFault;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fault: ErrorFault; retryable: boolean; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PipewrightError';
    this.code = code;
    this.fault = opts.fault;
    this.retryable = opts.retryable;
  }
}

export class ConfigError extends PipewrightError {
  constructor(message: string) {
    super('config_invalid', message, { fault: 'user', retryable: false });
    this.name = 'ConfigError';
  }
}

export class PlanInvalidError extends PipewrightError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('plan_invalid', `plan is invalid: ${problems.join('; ')}`, { fault: 'system', retryable: false });
    this.name = 'PlanInvalidError';
    this.problems = problems;
  }
}

export class TemplateError extends PipewrightError {
  readonly missing: string[];
  constructor(missing: string[]) {
    super('template_unresolved', `template references unknown values: ${missing.join(', ')}`, {
      fault: 'system',
      retryable: false,
    });
    this.name = 'TemplateError';
    this.missing = missing;
  }
}

/** The model answered, but not in the shape we asked for, even after one repair attempt. */
export class ModelOutputError extends PipewrightError {
  readonly issues: string;
  constructor(issues: string, cause?: unknown) {
    super('model_output_invalid', `model output failed its schema: ${issues}`, {
      fault: 'third_party',
      retryable: false,
      cause,
    });
    this.name = 'ModelOutputError';
    this.issues = issues;
  }
}

/**
 * A model call was not made: with what it could cost, it would pass the project's budget or the
 * workspace's daily one. Not a failure of anyone's: the run pauses and asks whether to spend more.
 */
export class BudgetExceededError extends PipewrightError {
  constructor(
    readonly scope: 'project' | 'workspace',
    readonly spentUsd: number,
    readonly limitUsd: number,
    readonly callUsd: number,
  ) {
    super(
      'budget_exceeded',
      `a model call of up to $${callUsd.toFixed(4)} would pass the ${scope} budget ($${spentUsd.toFixed(4)} of $${limitUsd.toFixed(2)} spent or committed)`,
      { fault: 'user', retryable: false },
    );
    this.name = 'BudgetExceededError';
  }
}

export class RecordCorruptError extends PipewrightError {
  constructor(key: string, cause: unknown) {
    super('record_corrupt', `stored record ${key} does not match its schema`, {
      fault: 'system',
      retryable: false,
      cause,
    });
    this.name = 'RecordCorruptError';
  }
}

/** Wraps anything thrown into a PipewrightError, keeping the original as `cause`. */
export function asPipewrightError(error: unknown): PipewrightError {
  if (error instanceof PipewrightError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PipewrightError('unexpected', message, { fault: 'system', retryable: true, cause: error });
}

/** A Slack event or click could not be put on the orchestrator's queue in time (Redis down or slow). */
export class EventNotRecordedError extends PipewrightError {
  constructor(eventId: string, cause: unknown) {
    super('event_not_recorded', `event ${eventId} could not be recorded`, {
      fault: 'third_party',
      retryable: true,
      cause,
    });
    this.name = 'EventNotRecordedError';
  }
}
