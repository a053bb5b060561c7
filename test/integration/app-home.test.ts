import { describe, expect, it } from 'vitest';
import { HOME_ACTIONS, HOME_BLOCK_LIMIT } from '../../src/bot/views/home.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject } from '../../src/domain/project.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectIndex } from '../../src/memory/project-index.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import {
  eventEnvelope,
  postSignedAction,
  postSignedEvent,
  viewBlockActionPayload,
} from '../support/slack-signing.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  metricSample,
  metricsText,
  REQUESTER,
  runToFirstGate,
  SIGNING_SECRET,
  startHarness,
  TEAM,
} from './harness.js';

type Block = {
  type: string;
  accessory?: { action_id: string; value: string };
  elements?: Array<{ action_id: string; value: string }>;
};

const publishesTo = (h: Harness, user: string) =>
  h.slack.callsTo('views.publish').filter((c) => c.args.user_id === user && c.response.ok === true);

const viewOf = (call: SlackCall | undefined) => {
  const raw = call?.args.view;
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
    type: string;
    blocks: Block[];
    private_metadata: string;
  };
};

const viewText = (call: SlackCall | undefined) =>
  messageText({ ...(call as SlackCall), args: { blocks: viewOf(call).blocks } });

const statusValues = (call: SlackCall | undefined) =>
  viewOf(call)
    .blocks.filter((b) => b.accessory?.action_id === HOME_ACTIONS.status)
    .map((b) => b.accessory?.value);

const pager = (call: SlackCall | undefined) =>
  viewOf(call).blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));

/** The person opens the Home tab (or the Messages tab): Slack sends app_home_opened. */
async function openTab(h: Harness, user: string, tab: 'home' | 'messages' = 'home'): Promise<number> {
  const envelope = eventEnvelope(
    { type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab, event_ts: `${Date.now() / 1000}` },
    { teamId: TEAM },
  );
  return (await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope)).status;
}

/** Clicks a button of the person's App Home as Slack sends it: container `view`, no channel, no message. */
async function clickHome(
  h: Harness,
  user: string,
  home: SlackCall,
  actionId: string,
  value: string,
): Promise<number> {
  const payload = viewBlockActionPayload({
    userId: user,
    view: { id: String((home.response.view as { id: string }).id), blocks: viewOf(home).blocks },
    actionId,
    value,
  });
  return (await postSignedAction(h.appUrl, SIGNING_SECRET, payload)).status;
}

async function nextPublish(h: Harness, user: string, after: number): Promise<SlackCall> {
  return waitFor(() => publishesTo(h, user)[after], { message: `no views.publish #${after + 1} to ${user}` });
}

describe('App Home', () => {
  it('with no projects, shows how to start one', async () => {
    const h = await startHarness();
    expect(await openTab(h, 'UNEWCOMER')).toBe(200);
    const home = await nextPublish(h, 'UNEWCOMER', 0);
    expect(viewOf(home).type).toBe('home');
    expect(viewOf(home).blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(viewText(home)).toMatch(/no projects yet/);
    expect(viewText(home)).toContain('/pipewright new');
  });

  it('with one project, shows it waiting on the requester, and its Status button sends the status by DM', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await openTab(h, REQUESTER);
    const home = await waitFor(
      () => publishesTo(h, REQUESTER).find((c) => /Waiting on you: your answers/.test(viewText(c))),
      { message: 'App Home never showed the questions waiting' },
    );
    expect(viewOf(home).blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(viewText(home)).toContain(`https://slack.com/archives/${CHANNEL}/p${threadTs.replace('.', '')}`);
    expect(viewText(home)).toMatch(/clarifying · no plan yet · spent /);
    const projectId = `${TEAM}-${CHANNEL}-${threadTs}`;
    expect(statusValues(home)).toEqual([projectId]);

    expect(await clickHome(h, REQUESTER, home, HOME_ACTIONS.status, projectId)).toBe(200);
    const dm = await waitFor(
      () => h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === REQUESTER && c.response.ok),
      { message: 'the status never reached the clicker' },
    );
    expect(messageText(dm)).toMatch(/Status of/);
    expect(messageText(dm)).toMatch(/clarifying/);
    expect(h.slack.callsTo('chat.postEphemeral')).toEqual([]);

    // Someone who neither asked for it nor may approve it learns nothing about it.
    await clickHome(h, 'USTRANGER', home, HOME_ACTIONS.status, projectId);
    const refusal = await waitFor(
      () => h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'USTRANGER'),
      { message: 'the stranger got no answer' },
    );
    expect(messageText(refusal)).toMatch(/not one of yours/);
    expect(messageText(refusal)).not.toMatch(/clarifying/);
  });

  it('with 60 projects, pages them under 100 blocks and turns pages on click', async () => {
    const h = await startHarness();
    const keys = keySpace(h.config.redis.keyPrefix);
    const index = new ProjectIndex(h.redis, keys, { approverIds: [], finishedTtlMs: 60_000 });
    for (let i = 0; i < 60; i++) {
      const p = newProject({
        teamId: TEAM,
        channelId: CHANNEL,
        threadTs: `${1_800_000_000 + i}.000100`,
        requesterId: 'UBUSY',
        request: `project number ${i}`,
        now: Date.now() + i,
      });
      p.requirements = FIXTURE_REQUIREMENTS;
      p.plan = defaultPlan(FIXTURE_REQUIREMENTS);
      p.phase = i % 3 === 0 ? 'completed' : 'running';
      await h.redis.set(keys.project(p.id), JSON.stringify(p));
      await index.record(p);
    }
    await openTab(h, 'UBUSY');
    const first = await nextPublish(h, 'UBUSY', 0);
    expect(viewOf(first).blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(statusValues(first)).toHaveLength(20);
    expect(pager(first).map((b) => b.action_id)).toEqual([HOME_ACTIONS.nextPage]);

    await clickHome(h, 'UBUSY', first, HOME_ACTIONS.nextPage, '1');
    const second = await nextPublish(h, 'UBUSY', 1);
    expect(viewOf(second).blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(viewText(second)).toContain('Page 2 of 3');
    expect(pager(second).map((b) => b.action_id)).toEqual([HOME_ACTIONS.previousPage, HOME_ACTIONS.nextPage]);
    expect(statusValues(second).filter((v) => statusValues(first).includes(v))).toEqual([]);

    await clickHome(h, 'UBUSY', second, HOME_ACTIONS.nextPage, '2');
    const third = await nextPublish(h, 'UBUSY', 2);
    expect(statusValues(third)).toHaveLength(20);
    expect(pager(third).map((b) => b.action_id)).toEqual([HOME_ACTIONS.previousPage]);
    expect(new Set([...statusValues(first), ...statusValues(second), ...statusValues(third)]).size).toBe(60);

    await clickHome(h, 'UBUSY', third, HOME_ACTIONS.previousPage, '1');
    const back = await nextPublish(h, 'UBUSY', 3);
    expect(statusValues(back)).toEqual(statusValues(second));
  });

  it('refreshes when a project changes, at most once per interval per person, ending with the latest state', {
    timeout: 60_000,
  }, async () => {
    const h = await startHarness({ HOME_REFRESH_INTERVAL_MS: '15000' });
    // One burst of changes, far shorter than the interval: the welcome, the questions, the plan, the live
    // status edits, a note per stage and the gate, each followed by a request to refresh.
    const threadTs = await runToFirstGate(h);
    await waitFor(
      () => publishesTo(h, REQUESTER).find((c) => /Waiting on you: your approval/.test(viewText(c))),
      { timeoutMs: 40_000, message: 'App Home was never refreshed with the gate' },
    );
    await waitFor(
      async () => {
        const text = await metricsText(h);
        return ['waiting', 'active', 'delayed'].every(
          (state) =>
            (metricSample(text, `pipewright_queue_jobs{queue="home-refresh",state="${state}"}`) ?? 0) === 0,
        );
      },
      { message: 'home refreshes never settled' },
    );
    const writes = [
      ...h.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs),
      ...h.slack.callsTo('chat.update').filter((c) => c.args.channel === CHANNEL),
    ];
    expect(writes.length).toBeGreaterThan(5);
    // The first at once, then one trailing refresh that shows the last change.
    const publishes = publishesTo(h, REQUESTER);
    expect(publishes).toHaveLength(2);
    expect(viewText(publishes.at(-1))).toMatch(/Waiting on you: your approval of `phase3.mlops-engineer`/);
  });
});

describe('Messages tab', () => {
  it('suggests requests, and a request written there opens a project like a mention', async () => {
    const h = await startHarness();
    expect(await openTab(h, REQUESTER, 'messages')).toBe(200);
    const suggested = await waitFor(() => h.slack.callsTo('assistant.threads.setSuggestedPrompts')[0], {
      message: 'no suggested prompts',
    });
    expect(suggested.response.ok).toBe(true);
    expect(suggested.args.channel_id).toBe('DREQUESTER');
    expect(suggested.args.thread_ts).toBeUndefined();
    const prompts = (
      typeof suggested.args.prompts === 'string' ? JSON.parse(suggested.args.prompts) : suggested.args.prompts
    ) as Array<{ title: string; message: string }>;
    expect(prompts.length).toBeGreaterThan(0);
    expect(prompts.length).toBeLessThanOrEqual(4);
    // No Home tab publish for the Messages tab.
    expect(publishesTo(h, REQUESTER)).toEqual([]);

    const { ts } = await h.dm(prompts[0]?.message ?? '', { channel: 'DREQUESTER' });
    await h.waitForThread(ts, /A few questions before I plan/);
  });
});
