import { describe, expect, it, onTestFinished } from 'vitest';
import { projectIdFor } from '../../src/domain/ids.js';
import type { StageProgress } from '../../src/domain/stage-progress.js';
import { keySpace } from '../../src/memory/keys.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  openAndGo,
  parallelExperimentsPlan,
  projectManagerResponder,
  requestsFor,
  stageOf,
  startHarness,
  TEAM,
} from './harness.js';

/** Stage calls stream: a long deliverable arrives in many chunks, its progress shown while it is written. */

const STAGE = 'phase1.data-engineer';

/** About 60 KB of deliverable: far more than the old 8,000-token limit would have let through. */
function longDeliverable(): string {
  const lines: string[] = ['# Ingestion design'];
  for (let i = 1; lines.join('\n').length < 60_000; i++)
    lines.push(`${i}. Source table subscriptions_${i}: change capture, schema check, partition by day.`);
  return lines.join('\n');
}

function stageAnswer(deliverable: string) {
  return {
    summary: 'Ingestion, validation and storage designed.',
    deliverable,
    digest: 'Daily CDC ingestion with schema checks, partitioned by day.',
    outcome: 'success',
    keyInsights: [],
    delegations: [],
    insights: [],
    messages: [],
  };
}

async function progressOf(
  h: Harness,
  projectId: string,
  stageId: string,
): Promise<StageProgress | undefined> {
  const raw = await h.redis.get(keySpace(h.config.redis.keyPrefix).stageProgress(projectId, stageId));
  return raw ? (JSON.parse(raw) as StageProgress) : undefined;
}

async function stageRecord(h: Harness, projectId: string, stageId: string) {
  const raw = await h.redis.get(keySpace(h.config.redis.keyPrefix).project(projectId));
  const project = raw
    ? (JSON.parse(raw) as {
        stages: Record<string, { state: string; usage?: { calls: number; outputTokens: number } }>;
      })
    : undefined;
  return project?.stages[stageId];
}

describe('streamed stage calls', () => {
  it('streams a 60 KB deliverable whole, billed once, with its progress recorded and shown by `status` as it is written', async () => {
    const h = await startHarness({ STAGE_PROGRESS_INTERVAL_MS: '0' });
    const deliverable = longDeliverable();
    const answer = JSON.stringify(stageAnswer(deliverable));
    const manager = projectManagerResponder();
    const isStage = (req: RecordedRequest) => stageOf(req) === STAGE;
    h.model.setResponder((req) => (isStage(req) ? { json: stageAnswer(deliverable) } : manager(req)));
    const control = h.model.controlStreams(isStage, { chunkChars: 1_000, pauseEveryChunks: 20 });
    onTestFinished(() => control.release());

    const threadTs = await openAndGo(h);
    const projectId = projectIdFor(TEAM, CHANNEL, threadTs);

    // Stopped after 20,000 characters: the record says how far the answer is, against the stage's limit.
    expect(await control.paused()).toBe(20_000);
    const first = await waitFor(
      async () => {
        const p = await progressOf(h, projectId, STAGE);
        return p?.outputTokens === 5_000 ? p : undefined;
      },
      { message: 'the progress record never reached the paused stream' },
    );
    expect(first).toMatchObject({ attempt: 1, step: 'writing', maxTokens: 32_000 });

    // `status` mid-stream: the running stage is writing, with its token count.
    await waitFor(async () => (await stageRecord(h, projectId, STAGE))?.state === 'running', {
      message: 'the stage never showed as running',
    });
    const before = h.posts(threadTs).length;
    await h.reply(threadTs, 'status');
    const reply = await waitFor(
      () =>
        h
          .posts(threadTs)
          .slice(before)
          .find((c) => String(c.args.text).startsWith('Status:')),
      { message: 'no status reply' },
    );
    expect(String(reply.args.text)).toContain(`${STAGE}: running (writing · ~5,000 / 32,000 tokens)`);
    expect(messageText(reply)).toContain('writing · ~5,000 / 32,000 tokens');

    // The next stretch of the answer moves the record on.
    control.resume();
    expect(await control.paused()).toBe(40_000);
    await waitFor(async () => (await progressOf(h, projectId, STAGE))?.outputTokens === 10_000, {
      message: 'the progress record did not advance with the stream',
    });

    control.release();
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) finished/, 20_000);

    // One request, streamed, at the stage's limit and effort; the whole deliverable kept; usage counted once.
    const calls = requestsFor(h, STAGE);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({
      stream: true,
      max_tokens: 32_000,
      output_config: { effort: 'medium' },
    });
    const stored = await h.redis.get(keySpace(h.config.redis.keyPrefix).deliverable(projectId, STAGE, 1));
    expect((JSON.parse(String(stored)) as { deliverable: string }).deliverable).toBe(deliverable);
    const record = await stageRecord(h, projectId, STAGE);
    expect(record?.usage).toMatchObject({ calls: 1, outputTokens: Math.ceil(answer.length / 4) });
    // Over once the stage's job is: its record is gone.
    await waitFor(async () => (await progressOf(h, projectId, STAGE)) === undefined, {
      message: 'the progress record outlived the stage',
    });
  }, 30_000);

  it('a stream that breaks off mid-answer fails that attempt like any outage: the queue tries again, once', async () => {
    const h = await startHarness({ STAGE_PROGRESS_INTERVAL_MS: '0' });
    const deliverable = longDeliverable();
    const manager = projectManagerResponder();
    const isStage = (req: RecordedRequest) => stageOf(req) === STAGE;
    h.model.setResponder((req) => (isStage(req) ? { json: stageAnswer(deliverable) } : manager(req)));
    let tries = 0;
    h.model.controlStreams((req) => isStage(req) && ++tries === 1, {
      chunkChars: 1_000,
      breakAfterChunks: 30,
    });

    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) finished/, 20_000);
    expect(requestsFor(h, STAGE)).toHaveLength(2);
    const failed = h.logs.find((l) => l.msg === 'agent job failed');
    expect(failed).toMatchObject({ final: false, err: { code: 'model_unavailable' } });
    const projectId = projectIdFor(TEAM, CHANNEL, threadTs);
    const stored = await h.redis.get(keySpace(h.config.redis.keyPrefix).deliverable(projectId, STAGE, 1));
    expect((JSON.parse(String(stored)) as { deliverable: string }).deliverable).toBe(deliverable);
    // The stage counts the call that answered; the broken one settled its reservation without an answer.
    expect((await stageRecord(h, projectId, STAGE))?.usage?.calls).toBe(1);
  }, 30_000);

  it('shows a running stage’s progress on its task card when the cards refresh', async () => {
    const h = await startHarness({
      TASK_CARDS: 'on',
      TASK_CARD_INTERVAL_MS: '0',
      STAGE_PROGRESS_INTERVAL_MS: '0',
    });
    const manager = projectManagerResponder({ plan: parallelExperimentsPlan() });
    const isGbm = (req: RecordedRequest) => stageOf(req) === 'phase2.gbm';
    h.model.setResponder((req) => (isGbm(req) ? { json: stageAnswer(longDeliverable()) } : manager(req)));
    const control = h.model.controlStreams(isGbm, { chunkChars: 1_000, pauseEveryChunks: 2 });
    // Held so that its end (which refreshes the cards) comes while the gradient-boosted model is writing.
    const logreg = h.model.hold((req) => stageOf(req) === 'phase2.logreg');
    // A failing test must not leave the system waiting on the stand-in while it stops.
    onTestFinished(() => {
      control.release();
      logreg.release();
    });

    const threadTs = await openAndGo(h);
    const projectId = projectIdFor(TEAM, CHANNEL, threadTs);
    await control.paused();
    await waitFor(async () => (await progressOf(h, projectId, 'phase2.gbm'))?.outputTokens === 500, {
      message: 'no progress recorded for phase2.gbm',
    });
    await logreg.arrived;
    logreg.release();

    const shown = await waitFor(
      () =>
        // The stream may start (in the channel's next post slot) after the progress came: then it is in the
        // first message's chunks, else in an appended one.
        [...h.slack.callsTo('chat.startStream'), ...h.slack.callsTo('chat.appendStream')]
          .flatMap((c) => (c.args.chunks ?? []) as Array<{ id?: string; details?: string }>)
          .find((t) => t.id === 'phase2.gbm' && /writing · ~500 \/ 32,000 tokens/.test(t.details ?? '')),
      { message: 'the task cards never showed phase2.gbm writing' },
    );
    expect(shown.details).toMatch(/^running since \d\d:\d\d:\d\d UTC · writing · ~500 \/ 32,000 tokens$/);
    control.release();
  }, 30_000);
});
