import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { keySpace } from '../../src/memory/keys.js';
import { createQueues, enqueueEvent } from '../../src/memory/queues.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import { eventEnvelope, postSignedEvent } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  FIXTURE_REQUIREMENTS,
  messageText,
  nextTs,
  REQUESTER,
  SIGNING_SECRET,
  stageOf,
  startHarness,
} from './harness.js';

/**
 * Memory follows Slack's visibility, through the real app: a lesson learned in a private channel is
 * recalled only by later projects of that channel; one learned in a public channel by every channel of the
 * workspace; another workspace sees neither. `memory <role>` follows the same rule and answers only the
 * person who asked.
 *
 * Projects are opened with the orchestrator event the Slack listener delivers, `visibility` included (the
 * listener derives it from the channel); replies go through the real app as signed Slack events.
 */

const G1_LESSON = 'G1-LESSON: the orders table in the finance warehouse is sharded by region';
const C1_LESSON = 'C1-LESSON: use Postgres CDC so late refunds are not missed';

/** A one-stage plan (the data engineer, no gate): each project is short, and the data engineer recalls. */
const ONE_STAGE_PLAN = (() => {
  const full = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Only ingestion is needed.');
  const first = full.stages.find((s) => s.role === 'data-engineer');
  if (!first) throw new Error('the default plan has no data-engineer stage');
  return {
    ...full,
    phases: full.phases.slice(0, 1),
    stages: [{ ...first, reads: [], needsApproval: false }],
  };
})();

/**
 * The project manager is satisfied at once and plans one stage; the objective carries the project's tag
 * (`[project:<name>]` from the request), so each stage prompt says which project it belongs to. The data
 * engineer of a project named in `lessons` learns that lesson.
 */
function responder(lessons: Record<string, string>) {
  return (req: RecordedRequest) => {
    if (req.lastUserText.includes('Tailor the project plan')) return { json: ONE_STAGE_PLAN };
    if (req.lastUserText.includes('clarification round')) {
      const tag = /\[project:[^\]]+\]/.exec(req.lastUserText)?.[0] ?? '';
      return {
        json: {
          ready: true,
          questions: [],
          requirements: { ...FIXTURE_REQUIREMENTS, objective: `${FIXTURE_REQUIREMENTS.objective} ${tag}` },
          assumptions: [],
        },
      };
    }
    const lesson = stageOf(req) ? lessons[projectOf(req) ?? ''] : undefined;
    if (!lesson) return undefined;
    return {
      json: {
        summary: 'Ingestion designed.',
        deliverable: '# Ingestion',
        digest: 'Ingestion.',
        outcome: 'success',
        keyInsights: [],
        delegations: [],
        insights: [
          { area: 'ingestion', insight: lesson, impact: 'high', confidence: 0.9, tags: ['postgres'] },
        ],
        messages: [],
      },
    };
  };
}

const projectOf = (req: RecordedRequest) => /\[project:([^\]]+)\]/.exec(req.systemText)?.[1];

interface Where {
  team: string;
  channel: string;
  visibility: 'public' | 'private';
}

describe('agent memory follows Slack visibility', () => {
  it('private lessons stay in their channel, public ones are shared in the workspace, and `memory <role>` answers only the asker', async () => {
    const h = await startHarness();
    h.model.setResponder(responder({ a: G1_LESSON, b: C1_LESSON }));
    const connection = new Redis(h.config.redis.url, { maxRetriesPerRequest: null });
    const keys = keySpace(h.config.redis.keyPrefix);
    const queues = createQueues(connection, keys, h.config.outboxShards);
    const C1: Where = { team: 'T0001', channel: 'C1', visibility: 'public' };
    const G1: Where = { team: 'T0001', channel: 'G1', visibility: 'private' };
    const G2: Where = { team: 'T0001', channel: 'G2', visibility: 'private' };
    const OTHER: Where = { team: 'T0002', channel: 'C1', visibility: 'public' };

    /** Opens project `name` in `where` and waits until its data engineer has finished; returns its prompt. */
    const run = async (name: string, where: Where) => {
      const ts = nextTs();
      await enqueueEvent(queues, {
        type: 'message',
        eventId: `Ev${randomUUID().slice(0, 8)}`,
        teamId: where.team,
        channelId: where.channel,
        threadTs: ts,
        ts,
        userId: REQUESTER,
        text: `<@UBOT> build a churn model [project:${name}]`,
        addressed: true,
        visibility: where.visibility,
      });
      const projectId = `${where.team}-${where.channel}-${ts}`;
      await waitFor(
        async () =>
          (await h.redis.exists(keys.deliverable(projectId, ONE_STAGE_PLAN.stages[0]?.id ?? '', 1))) === 1,
        {
          message: `project ${name}: the data engineer never delivered`,
        },
      );
      const prompt = h.model.requests.find((r) => stageOf(r) && projectOf(r) === name);
      return { thread: ts, prompt: prompt?.lastUserText ?? '' };
    };

    try {
      // a: private G1 learns G1's lesson. b: public C1 learns C1's lesson, and never hears G1's.
      await run('a', G1);
      const b = await run('b', C1);
      expect(b.prompt).not.toContain(G1_LESSON);

      const laterG1 = await run('c', G1);
      expect(laterG1.prompt).toContain(G1_LESSON);
      expect(laterG1.prompt).toContain(C1_LESSON);

      const laterC1 = await run('d', C1);
      expect(laterC1.prompt).toContain(C1_LESSON);
      expect(laterC1.prompt).not.toContain(G1_LESSON);

      const g2 = await run('e', G2);
      expect(g2.prompt).toContain(C1_LESSON);
      expect(g2.prompt).not.toContain(G1_LESSON);

      const other = await run('f', OTHER);
      expect(other.prompt).not.toContain(C1_LESSON);
      expect(other.prompt).not.toContain(G1_LESSON);

      // `memory data-engineer` in C1: only the public lesson, and only the asker sees it.
      const ask = async (where: Where, thread: string) => {
        const ts = nextTs();
        const envelope = eventEnvelope(
          {
            type: 'message',
            channel_type: where.visibility === 'public' ? 'channel' : 'group',
            user: REQUESTER,
            text: 'memory data-engineer',
            ts,
            thread_ts: thread,
            channel: where.channel,
            event_ts: ts,
          },
          { teamId: where.team },
        );
        expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope)).status).toBe(200);
        return waitFor(
          () =>
            h.slack
              .callsTo('chat.postEphemeral')
              .find(
                (c) =>
                  c.args.channel === where.channel &&
                  c.args.thread_ts === thread &&
                  /What data-engineer remembers/.test(messageText(c)),
              ),
          { message: `no ephemeral memory answer in ${where.channel}` },
        );
      };
      const inC1 = await ask(C1, laterC1.thread);
      expect(inC1.args.user).toBe(REQUESTER);
      expect(messageText(inC1)).toContain(C1_LESSON);
      expect(messageText(inC1)).not.toContain(G1_LESSON);

      const inG1 = await ask(G1, laterG1.thread);
      expect(messageText(inG1)).toContain(C1_LESSON);
      expect(messageText(inG1)).toContain(G1_LESSON);

      // Nothing of it was posted in a thread for everyone to read.
      const posted = h.slack.callsTo('chat.postMessage').map(messageText).join('\n');
      expect(posted).not.toContain('What data-engineer remembers');
    } finally {
      await queues.close();
      connection.disconnect();
    }
  });
});
