/**
 * 4. Ack latency: signed `app_mention` requests, a few at a time, against the real Pipewright Bolt app
 * (HTTP mode, the `bot` role as deployed at scale) and against a bare Bolt app with the same signing
 * secret whose `app_mention` listener does nothing (processBeforeResponse: false), in the same process
 * and run. Pipewright answers only after the event is recorded in Redis (dedupe claim + orchestrator
 * queue add; processBeforeResponse: true, see src/bot/app.ts), by design: a Redis outage then makes
 * Slack redeliver instead of losing the event.
 * Order: warm-up of both, then real, bare, bare, real (half the requests each time), so drift in the
 * machine's load affects both alike; that is repeated and the figure is the median repetition, because at
 * 50 in flight one repetition's tail is mostly queueing and moves with the machine's load. The requests come from a separate client process (Node's fetch, a
 * small pool), so the client's own work does not queue on the servers' event loop.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { App, LogLevel } from '@slack/bolt';
import { signSlackRequest } from '../test/support/slack-signing.js';
import {
  BOT_TOKEN,
  freshTs,
  mentionEnvelope,
  newEventId,
  percentile,
  pool,
  progress,
  rounded,
  SIGNING_SECRET,
  type Stats,
  startBenchSystem,
  stats,
} from './lib.js';

export interface AckOptions {
  /** Requests to each app per repetition. */
  requests: number;
  concurrency: number;
  warmup: number;
  /** The figure is the median over repetitions of each repetition's p50 (p99). */
  repetitions: number;
}

export interface AckResult {
  requests: number;
  concurrency: number;
  repetitions: number;
  /** Median over repetitions of each repetition's p50 (and p99), ms. */
  p50Ms: { pipewright: number; bare: number };
  p99Ms: { pipewright: number; bare: number };
  ratioP50: number;
  ratioP99: number;
  perRepetition: Array<{ pipewright: Stats; bare: Stats }>;
  nonOkStatuses: { pipewright: number; bare: number };
  warnings: string[];
}

export async function runAckLatency(redisUrl: string, opts: AckOptions): Promise<AckResult> {
  const bench = await startBenchSystem(redisUrl, { role: 'bot' });
  const bare = new App({
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    processBeforeResponse: false,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: bench.slack.apiUrl },
  });
  bare.event('app_mention', async () => undefined);
  const server = (await bare.start(0)) as { address(): AddressInfo | string | null };
  const address = server.address();
  const bareUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const client = startClient();
  const fire = (appUrl: string, count: number) => client.fire(appUrl, count, opts.concurrency);

  progress(`ack latency: warm-up (${opts.warmup} requests to each app)`);
  await fire(bench.appUrl, opts.warmup);
  await fire(bareUrl, opts.warmup);
  const half = Math.floor(opts.requests / 2);
  progress(
    `ack latency: ${opts.repetitions} × ${opts.requests} signed app_mentions to each app, ${opts.concurrency} at a time`,
  );
  const reps: Array<{ pipewright: Shot[]; bare: Shot[] }> = [];
  for (let r = 0; r < opts.repetitions; r++) {
    const real = await fire(bench.appUrl, half);
    const bareShots = await fire(bareUrl, half);
    bareShots.push(...(await fire(bareUrl, opts.requests - half)));
    real.push(...(await fire(bench.appUrl, opts.requests - half)));
    reps.push({ pipewright: real, bare: bareShots });
  }

  client.stop();
  await bare.stop();
  await bench.close();

  const perRep = reps.map((r) => ({
    pipewright: rounded(stats(r.pipewright.map((s) => s.ms))),
    bare: rounded(stats(r.bare.map((s) => s.ms))),
  }));
  const median = (values: number[]) => percentile(values, 50);
  const p50 = {
    pipewright: median(perRep.map((r) => r.pipewright.p50)),
    bare: median(perRep.map((r) => r.bare.p50)),
  };
  const p99 = {
    pipewright: median(perRep.map((r) => r.pipewright.p99)),
    bare: median(perRep.map((r) => r.bare.p99)),
  };
  const all = reps.flatMap((r) => [
    ...r.pipewright.map((s) => ({ ...s, app: 'p' })),
    ...r.bare.map((s) => ({ ...s, app: 'b' })),
  ]);
  return {
    requests: opts.requests,
    concurrency: opts.concurrency,
    repetitions: opts.repetitions,
    p50Ms: p50,
    p99Ms: p99,
    ratioP50: Number((p50.pipewright / p50.bare).toFixed(2)),
    ratioP99: Number((p99.pipewright / p99.bare).toFixed(2)),
    perRepetition: perRep,
    nonOkStatuses: {
      pipewright: all.filter((s) => s.app === 'p' && s.status !== 200).length,
      bare: all.filter((s) => s.app === 'b' && s.status !== 200).length,
    },
    warnings: bench.warnings.slice(0, 20),
  };
}

type Shot = { ms: number; status: number };

/** The load generator, in its own process: this file run with `--ack-client`. */
function startClient() {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--ack-client'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (shots: Shot[]) => void; reject: (err: Error) => void } | undefined;
  child.on('message', (m) => pending?.resolve(m as Shot[]));
  child.on('exit', (code) => pending?.reject(new Error(`ack client exited (${code})`)));
  return {
    fire(appUrl: string, count: number, concurrency: number): Promise<Shot[]> {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send({ appUrl, count, concurrency });
      });
    },
    stop() {
      pending = undefined;
      child.disconnect();
    },
  };
}

async function fireMentions(appUrl: string, count: number, concurrency: number): Promise<Shot[]> {
  const out: Shot[] = [];
  await pool(Array.from({ length: count }), concurrency, async () => {
    const body = JSON.stringify(mentionEnvelope('ack latency probe', freshTs(), newEventId()));
    const headers = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) };
    const t0 = performance.now();
    const res = await fetch(`${appUrl}/slack/events`, { method: 'POST', headers, body });
    await res.text();
    out.push({ ms: performance.now() - t0, status: res.status });
  });
  return out;
}

if (process.argv.includes('--ack-client')) {
  process.on('message', (m: { appUrl: string; count: number; concurrency: number }) => {
    fireMentions(m.appUrl, m.count, m.concurrency).then(
      (shots) => process.send?.(shots),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
