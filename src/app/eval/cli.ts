import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../../domain/errors.js';
import { RedisNotFoundError } from '../local-redis.js';
import { createLogger } from '../logger.js';
import { EVAL_REQUESTS, selectRequests } from './requests.js';
import { runEval } from './runner.js';
import { evalReport, requestHeadline } from './table.js';

/**
 * `npm run eval [-- --only <name>]`: runs the fixed requests end to end against the configured model
 * (ANTHROPIC_API_KEY, else the offline model), prints a table per request and the means per role, and
 * writes the results as JSON to EVAL_OUT or eval-results/<timestamp>.json. Exits 1 when a request did not
 * finish, 2 on bad arguments.
 */

/** Per request: an offline run takes seconds; a real one is a whole project with reviews (tens of minutes). */
const DEFAULT_TIMEOUT_S = { offline: 180, real: 45 * 60 } as const;

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: npm run eval [-- --only <${EVAL_REQUESTS.map((r) => r.name).join('|')}>]\n` +
      'env: EVAL_OUT (results path), EVAL_REQUEST_TIMEOUT_S (per request), ANTHROPIC_API_KEY (real model)',
  );
  process.exit(2);
}

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

async function main(): Promise<void> {
  let values: { only?: string | undefined };
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { only: { type: 'string' } } }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const requests = selectRequests(values.only);
  if (!requests) usage(`no request is named "${values.only}"`);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = process.env;
  const offline = !env.ANTHROPIC_API_KEY;
  const timeoutS = Number(
    env.EVAL_REQUEST_TIMEOUT_S || (offline ? DEFAULT_TIMEOUT_S.offline : DEFAULT_TIMEOUT_S.real),
  );
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) usage('EVAL_REQUEST_TIMEOUT_S must be a positive number');
  const out = env.EVAL_OUT || join('eval-results', `${timestamp(new Date())}.json`);

  // Logs go to stderr, quiet unless LOG_LEVEL says otherwise: stdout is the report.
  const logger = createLogger(env.LOG_LEVEL || 'error', pino.destination(2));
  process.stdout.write(
    `Running ${requests.length} request${requests.length === 1 ? '' : 's'} against ${offline ? 'the offline model (no ANTHROPIC_API_KEY)' : 'Claude (ANTHROPIC_API_KEY): this spends money'}, one at a time…\n`,
  );
  // Ctrl+C cancels the running request and stops the app and its redis-server; a second one exits at once.
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nInterrupted: cancelling the running request and stopping (Ctrl+C again to quit now)…\n',
    );
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let results: Awaited<ReturnType<typeof runEval>>;
  try {
    results = await runEval({
      env,
      requests,
      requestTimeoutMs: timeoutS * 1000,
      logger,
      signal: interrupt.signal,
      onResult: (r) => process.stdout.write(`  ${requestHeadline(r)}\n`),
    });
  } catch (err) {
    if (err instanceof RedisNotFoundError || err instanceof ConfigError) console.error(err.message);
    else console.error(err);
    process.exit(1);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${evalReport(results, out)}`);
  if (interrupt.signal.aborted) process.exit(130);
  process.exit(results.totals.finished === requests.length ? 0 : 1);
}

await main();
