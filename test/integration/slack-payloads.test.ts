import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { MessageEvent, OrchestratorEvent } from '../../src/domain/events.js';
import { buttonValues, projectIdFor } from '../../src/domain/ids.js';
import { keySpace } from '../../src/memory/keys.js';
import { startRedisServer } from '../support/redis-server.js';
import {
  blockActionPayload,
  eventEnvelope,
  postSignedAction,
  postSignedEvent,
} from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  metricsText,
  nextTs,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
  TEAM,
  waitForHealthz,
} from './harness.js';

/**
 * What the Slack listeners make of real payloads: envelopes shaped as Slack sends them (`authorizations`,
 * `context_team_id`, `is_ext_shared_channel`, `event_context`; events with `user_team`, `source_team`,
 * `team`, subtypes, files, `edited`), posted signed to the real Bolt app. Each test asserts what a person
 * would notice in the thread, or the facts the listener handed the orchestrator (who wrote, from which
 * organisation, whether a guest, who can read the conversation, what files came with it).
 */

/** The other organisation in a shared (Slack Connect) channel, and one of its members. */
const PARTNER_TEAM = 'T0PARTNER';
const PARTNER_USER = 'UPARTNER';

const welcomes = (h: Harness, threadTs: string) =>
  h.posts(threadTs).filter((c) => messageText(c).includes("I'm Pipewright"));

/**
 * An envelope as Slack sends an event from a shared channel hosted by the other organisation: the
 * envelope's `team_id` and `context_team_id` name it; only `authorizations` names the workspace that
 * installed the app.
 */
function sharedChannelEnvelope(event: Record<string, unknown>, eventId?: string): object {
  return eventEnvelope(event, {
    teamId: PARTNER_TEAM,
    contextTeamId: PARTNER_TEAM,
    installedTeamId: TEAM,
    isExtSharedChannel: true,
    ...(eventId ? { eventId } : {}),
  });
}

/** A plain reply in a channel thread, as message.channels delivers it. */
function threadReply(
  threadTs: string,
  text: string,
  user = REQUESTER,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const ts = nextTs();
  return {
    type: 'message',
    channel_type: 'channel',
    channel: CHANNEL,
    user,
    team: TEAM,
    text,
    ts,
    thread_ts: threadTs,
    parent_user_id: REQUESTER,
    event_ts: ts,
    client_msg_id: `cm-${ts}`,
    ...extra,
  };
}

/** A mention, as app_mention delivers it (no `channel_type`). */
function mentionEvent(
  text: string,
  opts: { user?: string; channel?: string; threadTs?: string; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const ts = nextTs();
  return {
    type: 'app_mention',
    user: opts.user ?? REQUESTER,
    team: TEAM,
    text: `<@UBOT> ${text}`,
    ts,
    channel: opts.channel ?? CHANNEL,
    ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
    event_ts: ts,
    client_msg_id: `cm-${ts}`,
    ...opts.extra,
  };
}

async function post(h: Harness, envelope: object, retryNum?: number): Promise<number> {
  const res = await postSignedEvent(
    h.appUrl,
    SIGNING_SECRET,
    envelope,
    retryNum === undefined ? {} : { retryNum },
  );
  return res.status;
}

/**
 * What the listeners recorded for the orchestrator, as the bot logs it ("slack event recorded": the facts
 * who acted and where, never the text). Completed jobs leave the queue at once, so the log is the record.
 */
type RecordedFacts = Pick<MessageEvent, 'eventId' | 'userId' | 'userTeamId' | 'userKind'> & {
  type: OrchestratorEvent['type'];
} & Partial<Pick<MessageEvent, 'teamId' | 'ts' | 'addressed' | 'visibility'>> & {
    attachments?: Array<{ name: string; read: boolean }>;
    origin?: { teamId: string; channelId: string; threadTs: string };
  };

async function enqueuedEvents(h: Harness): Promise<RecordedFacts[]> {
  return h.logs.filter((l) => l.msg === 'slack event recorded').map((l) => l.event as RecordedFacts);
}

/** The message event the listener enqueued for the Slack message `ts` (waits until it is there). */
async function enqueuedMessage(h: Harness, ts: unknown): Promise<RecordedFacts> {
  return waitFor(async () => (await enqueuedEvents(h)).find((e) => e.type === 'message' && e.ts === ts), {
    message: `no message event was enqueued for ts ${String(ts)}`,
  });
}

/** Waits until no job of any queue (orchestrator, agents, every outbox shard) is waiting or running. */
async function waitForAllQueuesIdle(h: Harness): Promise<void> {
  let idleReads = 0;
  await waitFor(
    async () => {
      const busy = (await metricsText(h))
        .split('\n')
        .some((l) =>
          /^pipewright_queue_jobs\{.*state="(waiting|active|delayed|prioritized)"\} [1-9]/.test(l),
        );
      idleReads = busy ? 0 : idleReads + 1;
      return idleReads >= 3;
    },
    { timeoutMs: 15_000, intervalMs: 50, message: 'the queues never went idle' },
  );
}

/** Waits for the bot's next post in the thread (after `before` posts) whose text contains `expected`. */
async function nextPostContaining(h: Harness, threadTs: string, before: number, expected: string) {
  return waitFor(
    () =>
      h
        .posts(threadTs)
        .slice(before)
        .find((c) => messageText(c).includes(expected)),
    {
      message: () =>
        `no post containing "${expected}"; the thread reads:\n${h.threadText(threadTs).slice(-2000)}`,
    },
  );
}

async function openProject(h: Harness, user = REQUESTER): Promise<string> {
  const { threadTs } = await h.mention('build a churn model and serve it behind an API', { user });
  await h.waitForThread(threadTs, /A few questions before I plan/);
  return threadTs;
}

/** The mention opened exactly one project: one welcome in its thread, one first question to the model. */
async function expectOneProjectOpened(h: Harness, threadTs: string): Promise<void> {
  await h.waitForThread(threadTs, /A few questions before I plan/);
  await waitForAllQueuesIdle(h);
  expect(welcomes(h, threadTs)).toHaveLength(1);
  expect(h.model.requests.filter((r) => r.lastUserText.includes('clarification round 1'))).toHaveLength(1);
}

describe('Slack payloads: shared channels', () => {
  it('answers `status` from a member of another organisation in a shared channel, whatever team the envelope names', async () => {
    const h = await startHarness();
    h.slack.setUser(PARTNER_USER, { teamId: PARTNER_TEAM });
    const threadTs = await openProject(h);
    const before = h.posts(threadTs).length;
    const reply = threadReply(threadTs, 'status', PARTNER_USER, {
      team: PARTNER_TEAM,
      user_team: PARTNER_TEAM,
      source_team: PARTNER_TEAM,
    });
    expect(await post(h, sharedChannelEnvelope(reply))).toBe(200);
    await nextPostContaining(h, threadTs, before, 'Status:');
    expect(await enqueuedMessage(h, reply.ts)).toMatchObject({
      teamId: TEAM,
      userId: PARTNER_USER,
      userTeamId: PARTNER_TEAM,
      userKind: 'member',
      visibility: 'public',
    });
  });

  it('keeps one project per thread: a mention carrying the other organisation in the thread speaks in it', async () => {
    const h = await startHarness();
    h.slack.setUser(PARTNER_USER, { teamId: PARTNER_TEAM });
    const threadTs = await openProject(h);
    const before = h.posts(threadTs).length;
    const mention = mentionEvent('status', {
      user: PARTNER_USER,
      threadTs,
      extra: { team: PARTNER_TEAM, user_team: PARTNER_TEAM, source_team: PARTNER_TEAM },
    });
    expect(await post(h, sharedChannelEnvelope(mention))).toBe(200);
    await nextPostContaining(h, threadTs, before, 'Status:');
    await waitForAllQueuesIdle(h);
    expect(welcomes(h, threadTs)).toHaveLength(1);
    expect(await h.redis.zrange(keySpace(h.config.redis.keyPrefix).projects(), 0, -1)).toEqual([
      projectIdFor(TEAM, CHANNEL, threadTs),
    ]);
  });

  it('records a click from another organisation with the clicker’s own team and the installing workspace as origin', async () => {
    const h = await startHarness({}, { role: 'bot' });
    h.slack.setUser(PARTNER_USER, { teamId: PARTNER_TEAM });
    const threadTs = nextTs();
    const projectId = projectIdFor(TEAM, CHANNEL, threadTs);
    const payload = blockActionPayload({
      userId: PARTNER_USER,
      userTeamId: PARTNER_TEAM,
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: nextTs(),
      threadTs,
      actionId: 'gate_approve',
      value: buttonValues.gate({ projectId, stageId: 'phase3.mlops-engineer', attempt: 1, gateRound: 1 }),
      responseUrl: h.slack.responseUrl(),
    });
    expect((await postSignedAction(h.appUrl, SIGNING_SECRET, payload)).status).toBe(200);
    const click = await waitFor(
      async () => (await enqueuedEvents(h)).find((e) => e.type === 'gate_decision'),
      {
        message: 'the click was not recorded',
      },
    );
    expect(click).toMatchObject({
      userId: PARTNER_USER,
      userTeamId: PARTNER_TEAM,
      userKind: 'member',
      origin: { teamId: TEAM, channelId: CHANNEL, threadTs },
    });
  });
});

describe('Slack payloads: who wrote it', () => {
  it('tells the orchestrator who acted: member, guest, and unknown when users.info fails or is slow', async () => {
    const h = await startHarness();
    h.slack.setUser('UGUESTMULTI', { isRestricted: true });
    h.slack.setUser('UGUESTSINGLE', { isUltraRestricted: true });
    const threadTs = await openProject(h);

    const kindOf = async (user: string, before?: () => void) => {
      before?.();
      const reply = threadReply(threadTs, 'status', user);
      expect(await post(h, eventEnvelope(reply))).toBe(200);
      const event = await enqueuedMessage(h, reply.ts);
      return { userKind: event.userKind, userTeamId: event.userTeamId };
    };
    expect(await kindOf('UMEMBER')).toEqual({ userKind: 'member', userTeamId: TEAM });
    expect(await kindOf('UGUESTMULTI')).toEqual({ userKind: 'guest', userTeamId: TEAM });
    expect(await kindOf('UGUESTSINGLE')).toEqual({ userKind: 'guest', userTeamId: TEAM });
    expect(await kindOf('UFLAKY', () => h.slack.failNext('users.info', 'fetch_members_failed'))).toEqual({
      userKind: 'unknown',
      userTeamId: TEAM,
    });
    expect(await kindOf('USLOW', () => h.slack.delayNext('users.info', 5_000))).toEqual({
      userKind: 'unknown',
      userTeamId: TEAM,
    });

    // A guest's click carries the same facts.
    const payload = blockActionPayload({
      userId: 'UGUESTMULTI',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: nextTs(),
      threadTs,
      actionId: 'gate_reject',
      value: buttonValues.gate({
        projectId: projectIdFor(TEAM, CHANNEL, threadTs),
        stageId: 'phase3.mlops-engineer',
        attempt: 1,
        gateRound: 1,
      }),
      responseUrl: h.slack.responseUrl(),
    });
    expect((await postSignedAction(h.appUrl, SIGNING_SECRET, payload)).status).toBe(200);
    const click = await waitFor(
      async () => (await enqueuedEvents(h)).find((e) => e.type === 'gate_decision'),
      {
        message: 'the click was not recorded',
      },
    );
    expect(click).toMatchObject({ userId: 'UGUESTMULTI', userKind: 'guest', userTeamId: TEAM });
  });

  it('looks each user up once for a busy thread, and not at all for chatter in threads it does not run', async () => {
    const h = await startHarness();
    const threadTs = await openProject(h);
    const lookupsOf = (user: string) =>
      h.slack.callsTo('users.info').filter((c) => c.args.user === user).length;

    for (let i = 0; i < 3; i++) {
      const reply = threadReply(threadTs, `status ${i}`, 'UBUSY');
      expect(await post(h, eventEnvelope(reply))).toBe(200);
      await enqueuedMessage(h, reply.ts);
    }
    expect(lookupsOf('UBUSY')).toBe(1);

    const otherThread = nextTs();
    for (let i = 0; i < 3; i++) {
      expect(await post(h, eventEnvelope(threadReply(otherThread, `lunch? ${i}`, 'UCHATTY')))).toBe(200);
    }
    expect(lookupsOf('UCHATTY')).toBe(0);
  });

  it('never opens a project for, or answers, messages and mentions written by other bots', async () => {
    const h = await startHarness();
    const threadTs = await openProject(h);
    h.slack.setUser('UBOTUSER', { isBot: true });
    const before = h.posts(threadTs).length;

    // Another app's mention (Slack marks it with bot_id), a bot user's mention without one, another bot's DM.
    const appMention = mentionEvent('build a churn model', {
      user: 'UOTHERAPP',
      extra: {
        bot_id: 'B0OTHERAPP',
        app_id: 'A0OTHERAPP',
        bot_profile: { id: 'B0OTHERAPP', app_id: 'A0OTHERAPP', name: 'reminders', team_id: TEAM },
      },
    });
    const botUserMention = mentionEvent('build a churn model', { user: 'UBOTUSER' });
    const dmTs = nextTs();
    const botDm = {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0OTHERAPP',
      username: 'Reminders',
      text: 'build a churn model',
      channel: 'D0BOTDM',
      channel_type: 'im',
      ts: dmTs,
      event_ts: dmTs,
    };
    // A bot answering in the project thread.
    const botReply = threadReply(threadTs, 'status', 'UOTHERAPP', {
      bot_id: 'B0OTHERAPP',
      app_id: 'A0OTHERAPP',
    });

    for (const event of [appMention, botUserMention, botDm, botReply]) {
      expect(await post(h, eventEnvelope(event))).toBe(200);
    }
    await waitForAllQueuesIdle(h);
    const posted = h.slack.callsTo('chat.postMessage');
    for (const ts of [appMention.ts, botUserMention.ts, dmTs]) {
      expect(posted.filter((c) => c.args.thread_ts === ts)).toEqual([]);
    }
    expect(h.posts(threadTs).slice(before)).toEqual([]);
    const fromBots = (await enqueuedEvents(h)).filter(
      (e) => e.type === 'message' && ['UOTHERAPP', 'UBOTUSER'].includes(e.userId),
    );
    expect(fromBots).toEqual([]);
  });
});

describe('Slack payloads: what a message is', () => {
  it('does not take an edited mention as new input: `cancel` is carried out once', async () => {
    const h = await startHarness();
    const threadTs = await openProject(h);
    const before = h.posts(threadTs).length;
    const cancel = mentionEvent('cancel', { threadTs });
    expect(await post(h, eventEnvelope(cancel))).toBe(200);
    await nextPostContaining(h, threadTs, before, 'Cancelled by');

    // Slack sends the mention again when its message is edited (same ts, an `edited` stamp, a new event id),
    // and a message_changed for the edit itself.
    const editTs = nextTs();
    const edited = {
      ...cancel,
      text: '<@UBOT> Cancel',
      edited: { user: REQUESTER, ts: editTs },
      event_ts: editTs,
    };
    expect(await post(h, eventEnvelope(edited))).toBe(200);
    const changedTs = nextTs();
    const changed = {
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      message: {
        type: 'message',
        user: REQUESTER,
        team: TEAM,
        text: 'Cancel',
        ts: cancel.ts,
        thread_ts: threadTs,
        edited: { user: REQUESTER, ts: editTs },
      },
      previous_message: {
        type: 'message',
        user: REQUESTER,
        text: 'cancel',
        ts: cancel.ts,
        thread_ts: threadTs,
      },
      channel: CHANNEL,
      channel_type: 'channel',
      ts: changedTs,
      event_ts: changedTs,
    };
    expect(await post(h, eventEnvelope(changed))).toBe(200);
    await waitForAllQueuesIdle(h);
    const text = h.threadText(threadTs);
    expect(text.match(/Cancelled by/g)).toHaveLength(1);
    expect(text).not.toContain('Nothing to cancel');
  });

  it('acts on replies with a subtype: a thread_broadcast `status` is answered, a file_share answer is taken', async () => {
    const h = await startHarness();
    const threadTs = await openProject(h);
    const before = h.posts(threadTs).length;
    const broadcast = threadReply(threadTs, 'status', 'USOMEONE', {
      subtype: 'thread_broadcast',
      root: {
        type: 'message',
        user: REQUESTER,
        text: '<@UBOT> build a churn model',
        ts: threadTs,
        team: TEAM,
      },
    });
    expect(await post(h, eventEnvelope(broadcast))).toBe(200);
    await nextPostContaining(h, threadTs, before, 'Status:');

    const schema = h.slack.hostFile('subscriptions-schema.txt', 'customer_id, plan, months_active, churned');
    const answer = threadReply(
      threadTs,
      'The data lives in BigQuery, schema attached; p99 under 200 ms.',
      REQUESTER,
      {
        subtype: 'file_share',
        upload: true,
        display_as_bot: false,
        files: [schema],
      },
    );
    expect(await post(h, eventEnvelope(answer))).toBe(200);
    const round2 = await waitFor(
      () => h.model.requests.find((r) => r.lastUserText.includes('clarification round 2')),
      { message: 'the file_share answer was not taken as an answer' },
    );
    expect(JSON.stringify(round2.body)).toContain('The data lives in BigQuery');
    expect((await enqueuedMessage(h, answer.ts)).attachments).toEqual([
      { name: 'subscriptions-schema.txt', read: true },
    ]);
  });

  it('opens a project from a DM with files: text files read in, the rest by name', async () => {
    const h = await startHarness();
    const csv = 'customer_id,plan,months_active,churned\nc1,pro,14,0\nc2,free,2,1\n';
    const columns = h.slack.hostFile('churn-sample.csv', csv, { mimetype: 'text/csv', filetype: 'csv' });
    const diagram = h.slack.hostFile('architecture.png', '\x89PNG not really', {
      mimetype: 'image/png',
      filetype: 'png',
    });
    const big = h.slack.hostFile('full-export.txt', 'x'.repeat(150_000));
    // A file whose download fails (Slack no longer has it): only its name is kept.
    const notes = h.slack.hostFile('notes.txt', 'gone');
    const gone = {
      ...notes,
      url_private_download: String(notes.url_private_download).replace(String(notes.id), 'F9999999999'),
    };
    // A file whose download URL is not on Slack's host never gets the bot token.
    const elsewhere = h.slack.hostFile('elsewhere.txt', 'not for us');
    const foreign = {
      ...elsewhere,
      url_private_download: String(elsewhere.url_private_download).replace('127.0.0.1', 'localhost'),
    };
    const ts = nextTs();
    const dm = {
      type: 'message',
      subtype: 'file_share',
      text: 'build a churn model from the attached sample',
      files: [columns, diagram, big, gone, foreign],
      upload: true,
      user: 'UDMFILES',
      display_as_bot: false,
      ts,
      channel: 'D0FILES',
      event_ts: ts,
      channel_type: 'im',
      client_msg_id: `cm-${ts}`,
    };
    expect(await post(h, eventEnvelope(dm))).toBe(200);
    await h.waitForThread(ts, /A few questions before I plan/);
    const event = await enqueuedMessage(h, ts);
    expect(event).toMatchObject({ addressed: true, visibility: 'private', userId: 'UDMFILES' });
    expect(event.attachments).toEqual([
      { name: 'churn-sample.csv', read: true },
      { name: 'architecture.png', read: false },
      { name: 'full-export.txt', read: false },
      { name: 'notes.txt', read: false },
      { name: 'elsewhere.txt', read: false },
    ]);
    // The project manager reads the request with the text file in it, and the rest named.
    const clarify = h.model.requests.find((r) => r.lastUserText.includes('clarification round 1'));
    expect(clarify?.lastUserText).toContain('build a churn model from the attached sample');
    expect(clarify?.lastUserText).toContain(csv.trim());
    expect(clarify?.lastUserText).toContain('Attached file: architecture.png (not a text file I can read');
    // Files are fetched with the bot token, and only those worth reading.
    const downloads = h.slack.callsTo('file_download');
    expect(downloads.map((c) => c.args.file_id).sort()).toEqual([columns.id, 'F9999999999'].sort());
    expect(downloads.every((c) => c.token === 'xoxb-test-token')).toBe(true);
  });

  it('says who can read the conversation: public channel, private channel, DM, group DM', async () => {
    const h = await startHarness({}, { role: 'bot' });
    h.slack.setChannel('C0PRIVATE', { isPrivate: true });
    const visibilityOf = async (envelope: object, ts: unknown) => {
      expect(await post(h, envelope)).toBe(200);
      return (await enqueuedMessage(h, ts)).visibility ?? 'not known';
    };
    const publicMention = mentionEvent('build a churn model');
    expect(await visibilityOf(eventEnvelope(publicMention), publicMention.ts)).toBe('public');
    const privateMention = mentionEvent('build a churn model', { channel: 'C0PRIVATE' });
    expect(await visibilityOf(eventEnvelope(privateMention), privateMention.ts)).toBe('private');
    h.slack.failNext('conversations.info', 'channel_not_found');
    const unknownMention = mentionEvent('build a churn model', { channel: 'C0UNSEEN' });
    expect(await visibilityOf(eventEnvelope(unknownMention), unknownMention.ts)).not.toBe('public');
    const dmTs = nextTs();
    const dm = {
      type: 'message',
      channel_type: 'im',
      channel: 'D0DM',
      user: 'UDM',
      text: 'build it',
      ts: dmTs,
      event_ts: dmTs,
    };
    expect(await visibilityOf(eventEnvelope(dm), dmTs)).toBe('private');
    h.slack.setChannel('G0GROUPDM', { isMpim: true });
    const groupMention = mentionEvent('build a churn model', { channel: 'G0GROUPDM' });
    expect(await visibilityOf(eventEnvelope(groupMention), groupMention.ts)).toBe('private');
    // A second mention in the public channel: its visibility is known without asking Slack again.
    const again = mentionEvent('and another model');
    expect(await visibilityOf(eventEnvelope(again), again.ts)).toBe('public');
    expect(h.slack.callsTo('conversations.info').filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
  });
});

describe('Slack payloads: recording an event', () => {
  it('answers a thread reply again when its project check failed: the failed check keeps no claim', async () => {
    const redis = await startRedisServer();
    const admin = new Redis(redis.url);
    try {
      const h = await startHarness({ REDIS_URL: redis.url });
      const threadTs = await openProject(h);
      await waitForAllQueuesIdle(h);
      const before = h.posts(threadTs).length;
      const envelope = eventEnvelope(threadReply(threadTs, 'status', 'UASKER'));
      // The project check fails for real: Redis refuses the command it uses.
      await admin.call('ACL', 'SETUSER', 'default', '-exists');
      expect(await post(h, envelope)).toBe(500);
      await admin.call('ACL', 'SETUSER', 'default', '+exists');
      // Slack redelivers; the reply is heard.
      expect(await post(h, envelope, 1)).toBe(200);
      await nextPostContaining(h, threadTs, before, 'Status:');
      await h.close();
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('opens a project exactly once when Slack redelivers a mention that could not be recorded', async () => {
    const redis = await startRedisServer();
    const admin = new Redis(redis.url);
    try {
      const h = await startHarness({ REDIS_URL: redis.url });
      const mention = mentionEvent('build a churn model');
      const envelope = eventEnvelope(mention);
      // Recording fails for real: Redis refuses scripts (BullMQ adds jobs with one) and deletes.
      await admin.call('ACL', 'SETUSER', 'default', '-@scripting', '-del');
      expect(await post(h, envelope)).toBe(500);
      await admin.call('ACL', 'SETUSER', 'default', '+@scripting', '+del');
      expect(await post(h, envelope, 1)).toBe(200);
      expect(await post(h, envelope, 2)).toBe(200);
      await expectOneProjectOpened(h, String(mention.ts));
      await h.close();
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('opens a project once when a recorded event could not be marked seen and Slack delivers it again', async () => {
    const redis = await startRedisServer();
    const admin = new Redis(redis.url);
    try {
      const h = await startHarness({ REDIS_URL: redis.url });
      const mention = mentionEvent('build a churn model');
      const envelope = eventEnvelope(mention);
      // The enqueue works, the mark after it does not (its keys are read-only): as if the bot died in between.
      // Every key lives under the test's prefix; all families but the marks stay writable.
      const p = h.config.redis.keyPrefix;
      const families = [
        'bull',
        'project',
        'projects',
        'pace',
        'breaker',
        'mem',
        'msg',
        'slack',
        'user',
        'spend',
      ];
      await admin.call(
        'ACL',
        'SETUSER',
        'default',
        'resetkeys',
        ...families.map((f) => `~${p}:${f}:*`),
        `~${p}:projects`,
        `%R~${p}:dedupe:*`,
      );
      expect(await post(h, envelope)).toBe(200);
      await admin.call('ACL', 'SETUSER', 'default', 'allkeys');
      expect(h.logs.some((l) => l.msg === 'event recorded, but not marked as seen')).toBe(true);
      expect(await post(h, envelope, 1)).toBe(200);
      await expectOneProjectOpened(h, String(mention.ts));
      await h.close();
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('while Redis is down: an event is answered 500 for Slack to redeliver, a click is acked and the clicker told', async () => {
    const redis = await startRedisServer();
    let redisUp = true;
    const h = await startHarness({ REDIS_URL: redis.url });
    try {
      await redis.stop();
      redisUp = false;
      await waitForHealthz(h, 503);

      const mention = mentionEvent('build a churn model while Redis is away');
      expect(await post(h, eventEnvelope(mention))).toBe(500);

      const threadTs = nextTs();
      const click = blockActionPayload({
        userId: REQUESTER,
        teamId: TEAM,
        channelId: CHANNEL,
        messageTs: nextTs(),
        threadTs,
        actionId: 'gate_approve',
        value: buttonValues.gate({
          projectId: projectIdFor(TEAM, CHANNEL, threadTs),
          stageId: 'phase3.mlops-engineer',
          attempt: 1,
          gateRound: 1,
        }),
        responseUrl: h.slack.responseUrl('outage'),
      });
      expect((await postSignedAction(h.appUrl, SIGNING_SECRET, click)).status).toBe(200);
      const told = await waitFor(
        () => h.slack.callsTo('response_url').find((c) => c.args.label === 'outage'),
        {
          message: 'the clicker was not told that the click was not recorded',
        },
      );
      expect(told.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(String(told.args.text)).toMatch(/could not record your click.*nothing changed.*try again/is);
    } finally {
      if (!redisUp) {
        await redis.restart();
        await waitForHealthz(h, 200); // closing mid-reconnect would wait on connections still coming up
      }
      await h.close();
      await redis.stop();
    }
  });
});
