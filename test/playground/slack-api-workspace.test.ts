import { randomUUID } from 'node:crypto';
import { type View, WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  PLAYGROUND_CHANNEL_IDS,
  PLAYGROUND_USER_IDS,
  type SlackApiStandIn,
  startPlaygroundSlackApi,
  startSlackApi,
  type WorkspaceChange,
} from '../../src/playground/slack-api/index.js';
import { silentSlackLogger } from '../support/silent-slack-logger.js';

// The product's Slack stand-in against the test run's Redis: what it keeps of the workspace, as the page
// reads it (Workspace) and as the bot reads it back (the Web API), through the real WebClient.

const C = PLAYGROUND_CHANNEL_IDS.mlProjects;
const MAYA = PLAYGROUND_USER_IDS.requester;
const SAM = PLAYGROUND_USER_IDS.teammate;
const BOT = PLAYGROUND_USER_IDS.bot;

let redis: Redis;
const running: SlackApiStandIn[] = [];

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});
afterAll(async () => {
  await redis.quit();
});

async function start(keyPrefix = `test-playground:${randomUUID()}`): Promise<SlackApiStandIn> {
  const standIn = await startPlaygroundSlackApi({ redis, keyPrefix });
  running.push(standIn);
  return standIn;
}

const web = (s: SlackApiStandIn) =>
  new WebClient(s.botToken, {
    slackApiUrl: s.apiUrl,
    logger: silentSlackLogger,
    retryConfig: { retries: 0 },
  });

const platformError = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: { data?: { error?: string } }) => e.data?.error,
  );

describe('the Slack stand-in keeps the workspace in Redis', () => {
  it('seeds the playground team, people and channels, and describes them as Slack does', async () => {
    const s = await start();
    expect(await s.workspace.team()).toEqual({ id: 'T0PLAYGRND', name: 'Pipewright Playground' });
    expect((await s.workspace.users()).map((u) => [u.name, u.role])).toEqual([
      ['maya', 'requester'],
      ['pipewright', 'bot'],
      ['priya', 'approver'],
      ['sam', 'teammate'],
    ]);
    const channels = await s.workspace.channels();
    expect(channels[0]).toEqual({ id: C, name: 'ml-projects', isPrivate: false, isIm: false });
    expect(channels.filter((c) => c.isIm).map((c) => c.dmWith)).toEqual([
      MAYA,
      PLAYGROUND_USER_IDS.approver,
      SAM,
    ]);

    const client = web(s);
    expect(await client.auth.test()).toMatchObject({ team: 'Pipewright Playground', user_id: BOT });
    expect((await client.users.info({ user: MAYA })).user).toMatchObject({
      name: 'maya',
      real_name: 'Maya Chen (requester)',
      is_bot: false,
    });
    expect((await client.conversations.info({ channel: C })).channel).toMatchObject({
      name: 'ml-projects',
      is_channel: true,
    });
    expect(
      (await client.conversations.info({ channel: PLAYGROUND_CHANNEL_IDS.dm.teammate })).channel,
    ).toMatchObject({ is_im: true, user: SAM });
  });

  it("counts a thread's replies on its parent, in history and in the thread", async () => {
    const s = await start();
    const client = web(s);
    const parent = await s.workspace.postAsUser({
      channel: C,
      user: MAYA,
      text: '@pipewright build a churn model',
    });
    await client.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'A few questions' });
    const last = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'go', threadTs: parent.ts });

    const [top] = await s.workspace.history(C);
    expect(top).toMatchObject({ ts: parent.ts, threadTs: parent.ts, replyCount: 2, latestReply: last.ts });
    const thread = await s.workspace.thread(C, parent.ts);
    expect(thread.map((m) => [m.user, m.botId, m.text])).toEqual([
      [MAYA, undefined, '@pipewright build a churn model'],
      [BOT, 'B0PIPEWRIGHT', 'A few questions'],
      [MAYA, undefined, 'go'],
    ]);

    const history = await client.conversations.history({ channel: C });
    expect(history.messages).toEqual([
      expect.objectContaining({ ts: parent.ts, reply_count: 2, latest_reply: last.ts, thread_ts: parent.ts }),
    ]);
    const replies = await client.conversations.replies({ channel: C, ts: parent.ts });
    expect(replies.messages?.map((m) => m.text)).toEqual([
      '@pipewright build a churn model',
      'A few questions',
      'go',
    ]);
  });

  it('applies edits and marks them edited; only the bot may edit or delete its own messages', async () => {
    const s = await start();
    const client = web(s);
    const posted = await client.chat.postMessage({ channel: C, text: 'Stage 1 running' });
    const ts = String(posted.ts);
    await client.chat.update({
      channel: C,
      ts,
      text: 'Stage 1 done',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }],
    });

    const [edited] = await s.workspace.history(C);
    expect(edited).toMatchObject({ text: 'Stage 1 done', edited: { user: BOT } });
    expect(edited?.blocks).toHaveLength(1);
    const [viaApi] = (await client.conversations.history({ channel: C })).messages ?? [];
    expect(viaApi).toMatchObject({ text: 'Stage 1 done', edited: { user: BOT } });

    const theirs = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'mine' });
    expect(await platformError(client.chat.update({ channel: C, ts: theirs.ts, text: 'x' }))).toBe(
      'cant_update_message',
    );
    expect(await platformError(client.chat.delete({ channel: C, ts: theirs.ts }))).toBe(
      'cant_delete_message',
    );
    expect(await platformError(client.chat.update({ channel: C, ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  it('deletes a message from history and its thread; a second delete finds nothing', async () => {
    const s = await start();
    const client = web(s);
    const parent = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    const reply = await client.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'oops' });
    await client.chat.delete({ channel: C, ts: String(reply.ts) });

    expect((await s.workspace.thread(C, parent.ts)).map((m) => m.text)).toEqual(['request']);
    expect((await s.workspace.history(C))[0]?.replyCount).toBeUndefined();
    expect(await platformError(client.chat.delete({ channel: C, ts: String(reply.ts) }))).toBe(
      'message_not_found',
    );
  });

  it('keeps a deleted parent with replies as a tombstone, so its thread can still be read', async () => {
    const s = await start();
    const client = web(s);
    const parent = await client.chat.postMessage({ channel: C, text: 'Plan' });
    const ts = String(parent.ts);
    await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'looks good', threadTs: ts });
    await client.chat.delete({ channel: C, ts });

    expect(await s.workspace.thread(C, ts)).toEqual([
      expect.objectContaining({ ts, text: 'This message was deleted.', tombstone: true, replyCount: 1 }),
      expect.objectContaining({ text: 'looks good' }),
    ]);
    const [viaApi] = (await client.conversations.history({ channel: C })).messages ?? [];
    expect(viaApi).toMatchObject({ subtype: 'tombstone', reply_count: 1 });
    expect(await platformError(client.chat.delete({ channel: C, ts }))).toBe('message_not_found');
  });

  it('shows an ephemeral only to its person, and not in the channel', async () => {
    const s = await start();
    const client = web(s);
    const parent = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    await client.chat.postEphemeral({
      channel: C,
      user: SAM,
      thread_ts: parent.ts,
      text: 'Only approvers may approve',
    });
    await client.chat.postEphemeral({ channel: C, user: MAYA, text: 'for maya' });

    expect(await s.workspace.ephemerals(C, SAM)).toEqual([
      expect.objectContaining({
        text: 'Only approvers may approve',
        ephemeralFor: SAM,
        threadTs: parent.ts,
        user: BOT,
      }),
    ]);
    expect((await s.workspace.ephemerals(C, MAYA)).map((m) => m.text)).toEqual(['for maya']);
    expect((await s.workspace.thread(C, parent.ts)).map((m) => m.text)).toEqual(['request']);
  });

  it('shares an uploaded file in the thread, with its bytes downloadable by the bot token only', async () => {
    const s = await start();
    const client = web(s);
    const parent = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    const report = '# Churn model\n\nAUC 0.91\n';
    await client.filesUploadV2({
      channel_id: C,
      thread_ts: parent.ts,
      content: report,
      filename: 'report.md',
      title: 'Full report',
      initial_comment: 'The full report',
    });

    const [, shared] = await s.workspace.thread(C, parent.ts);
    expect(shared).toMatchObject({ user: BOT, text: 'The full report' });
    const file = shared?.files?.[0];
    expect(file).toMatchObject({
      name: 'report.md',
      title: 'Full report',
      mimetype: 'text/markdown',
      size: Buffer.byteLength(report),
    });
    const stored = await s.workspace.file(String(file?.id));
    expect(stored?.content.toString('utf8')).toBe(report);

    const [viaApi] =
      (await client.conversations.replies({ channel: C, ts: parent.ts })).messages?.slice(1) ?? [];
    const url = String(viaApi?.files?.[0]?.url_private_download);
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${s.botToken}` } });
    expect(await withToken.text()).toBe(report);
    const anonymous = await fetch(url);
    expect(anonymous.headers.get('content-type')).toContain('text/html');
  });

  it('keeps the Home tab and a stack of modals, refusing what Slack refuses', async () => {
    const s = await start();
    const client = web(s);
    const home: View = {
      type: 'home',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your projects' } }],
    };
    await client.views.publish({ user_id: MAYA, view: home });
    const modal = (title: string): View => ({
      type: 'modal',
      title: { type: 'plain_text', text: title },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }],
    });

    expect(await platformError(client.views.open({ trigger_id: '1.2.3', view: modal('New project') }))).toBe(
      'invalid_trigger_id',
    );
    expect(await platformError(client.apiCall('views.open', { view: modal('x') }))).toBe('invalid_arguments');
    expect(
      await platformError(client.views.open({ trigger_id: s.triggerId(MAYA), view: modal('x'.repeat(25)) })),
    ).toBe('invalid_arguments');

    const opened = await client.views.open({ trigger_id: s.triggerId(MAYA), view: modal('New project') });
    const id = String(opened.view?.id);
    await client.views.push({ trigger_id: s.triggerId(MAYA), view: modal('Details') });
    await client.views.update({ view_id: id, view: modal('New project (2)') });

    const views = await s.workspace.views(MAYA);
    expect(views.home).toEqual(home);
    expect(views.modals.map((m) => (m.view as { title: { text: string } }).title.text)).toEqual([
      'New project (2)',
      'Details',
    ]);
    await s.workspace.closeModal(MAYA, id);
    expect((await s.workspace.views(MAYA)).modals).toHaveLength(1);
    expect(await s.workspace.views(SAM)).toEqual({ modals: [] });
  });

  it("carries out a click's response URL: an ephemeral for the clicker, a replacement, a deletion", async () => {
    const s = await start();
    const client = web(s);
    const parent = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    const gate = await client.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'Approval needed' });
    const click = { user: SAM, channel: C, threadTs: parent.ts, messageTs: String(gate.ts) };
    const respond = (label: string, body: object) =>
      fetch(s.responseUrl(label, click), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    await respond('refusal', { response_type: 'ephemeral', replace_original: false, text: 'Only approvers' });
    expect(await s.workspace.ephemerals(C, SAM)).toEqual([
      expect.objectContaining({ text: 'Only approvers', threadTs: parent.ts }),
    ]);
    expect(s.callsTo('response_url')[0]?.args).toMatchObject({ label: 'refusal', text: 'Only approvers' });

    await respond('decided', { replace_original: true, text: 'Approved by Priya' });
    const [, replaced] = await s.workspace.thread(C, parent.ts);
    expect(replaced).toMatchObject({ ts: gate.ts, text: 'Approved by Priya' });
    expect(replaced?.edited).toBeUndefined();

    await respond('gone', { delete_original: true });
    expect((await s.workspace.thread(C, parent.ts)).map((m) => m.text)).toEqual(['request']);
  });

  it('tells subscribers of every change, until they unsubscribe', async () => {
    const s = await start();
    const client = web(s);
    const changes: WorkspaceChange[] = [];
    const unsubscribe = s.workspace.subscribe((change) => changes.push(change));

    const parent = await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    const reply = await client.chat.postMessage({ channel: C, thread_ts: parent.ts, text: 'on it' });
    await client.chat.update({ channel: C, ts: String(reply.ts), text: 'done' });
    await client.chat.postEphemeral({ channel: C, user: SAM, text: 'psst' });
    await client.filesUploadV2({ channel_id: C, thread_ts: parent.ts, content: 'x', filename: 'r.txt' });
    await client.chat.delete({ channel: C, ts: String(reply.ts) });
    await client.views.publish({ user_id: MAYA, view: { type: 'home', blocks: [] } });
    unsubscribe();
    await s.workspace.postAsUser({ channel: C, user: MAYA, text: 'unheard' });

    expect(changes.map((c) => (c.kind === 'message' ? `${c.kind}:${c.action}` : c.kind))).toEqual([
      'message:posted',
      'message:posted',
      'message:edited',
      'ephemeral',
      'message:posted',
      'message:deleted',
      'view',
    ]);
    expect(changes[1]).toEqual({
      kind: 'message',
      channel: C,
      ts: reply.ts,
      threadTs: parent.ts,
      action: 'posted',
    });
    expect(changes[3]).toEqual({ kind: 'ephemeral', channel: C, user: SAM });
    expect(changes[6]).toEqual({ kind: 'view', user: MAYA });
  });

  it('keeps two workspaces on different prefixes apart', async () => {
    const [a, b] = [await start(), await start()];
    await web(a).chat.postMessage({ channel: C, text: 'in a' });
    await b.workspace.postAsUser({ channel: C, user: MAYA, text: 'in b' });

    expect((await a.workspace.history(C)).map((m) => m.text)).toEqual(['in a']);
    expect((await b.workspace.history(C)).map((m) => m.text)).toEqual(['in b']);
    await a.reset();
    expect(await a.workspace.history(C)).toEqual([]);
    expect((await a.workspace.users()).length).toBe(4);
    expect((await b.workspace.history(C)).map((m) => m.text)).toEqual(['in b']);
  });

  it('finds the same workspace again after a restart on the same Redis and prefix', async () => {
    const prefix = `test-playground:${randomUUID()}`;
    const first = await start(prefix);
    const parent = await first.workspace.postAsUser({ channel: C, user: MAYA, text: 'request' });
    const uploaded = await web(first).filesUploadV2({
      channel_id: C,
      thread_ts: parent.ts,
      content: 'kept',
      filename: 'kept.txt',
    });
    await first.close();
    running.splice(running.indexOf(first), 1);

    const again = await start(prefix);
    const thread = await again.workspace.thread(C, parent.ts);
    expect(thread.map((m) => m.text)).toEqual(['request', '']);
    const fileId = String(
      (uploaded.files?.[0] as { files?: Array<{ id?: string }> } | undefined)?.files?.[0]?.id,
    );
    expect((await again.workspace.file(fileId))?.content.toString('utf8')).toBe('kept');
    const later = await web(again).chat.postMessage({
      channel: C,
      thread_ts: parent.ts,
      text: 'after restart',
    });
    expect(Number(later.ts)).toBeGreaterThan(Number(thread.at(-1)?.ts));
  });

  it('starts with a given identity and no seed when asked (the tests do)', async () => {
    const s = await startSlackApi({
      redis,
      keyPrefix: `test-playground:${randomUUID()}`,
      identity: { teamId: 'T0001', botUserId: 'UBOT', botId: 'BBOT', botToken: 'xoxb-t' },
    });
    running.push(s);
    expect(await s.workspace.users()).toEqual([]);
    const posted = await web(s).chat.postMessage({ channel: 'C1', text: 'hi' });
    expect(posted.message).toMatchObject({ user: 'UBOT', bot_id: 'BBOT', team: 'T0001' });
  });
});
