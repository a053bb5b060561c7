import { type Logger, pino } from 'pino';

export type { Logger };

/** Tokens and keys we must never write to a log, wherever they appear in a message. */
const SECRET_PATTERN = /\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+)\b/g;

export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (m) => `${m.slice(0, 5)}[REDACTED]`);
}

/** One root logger; callers bind ids with `.child({ projectId, stageId })`. Secrets redacted by path and pattern. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pipewright' },
      redact: {
        paths: [
          'token',
          '*.token',
          'botToken',
          '*.botToken',
          'signingSecret',
          '*.signingSecret',
          'appToken',
          '*.appToken',
          'apiKey',
          '*.apiKey',
          'headers.authorization',
          '*.headers.authorization',
          'headers["x-api-key"]',
          '*.headers["x-api-key"]',
        ],
        censor: '[REDACTED]',
      },
      hooks: {
        // Catch secrets that arrive inside free text (error messages, URLs), which path redaction cannot see.
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return {
            ...s,
            message: redactSecrets(s.message),
            stack: s.stack ? redactSecrets(s.stack) : s.stack,
          };
        },
      },
    },
    destination,
  );
}
