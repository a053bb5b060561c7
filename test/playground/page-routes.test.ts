import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { type RunningPlayground, startPlayground } from '../../src/app/playground.js';
import { PLAYGROUND_CHANNEL_IDS, PLAYGROUND_USER_IDS } from '../../src/playground/slack-api/index.js';
import type { PageState } from '../../src/playground/web/page-state.js';
import { waitFor } from '../support/wait.js';

/**
 * The playground page's server, as the browser (or a hostile page on another site) talks to it: what it
 * refuses, that typed markup stays text, that the bot's Home tab and modals reach the page, and that
 * files download instead of running on the page's origin.
 */

let playground: RunningPlayground;
const base = () => playground.url.replace('localhost', '127.0.0.1');
const { requester, teammate } = PLAYGROUND_USER_IDS;
const channel = PLAYGROUND_CHANNEL_IDS.mlProjects;

beforeAll(async () => {
  playground = await startPlayground(
    {
      PATH: process.env.PATH,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `pw${randomUUID().slice(0, 8)}`,
      PORT: '0',
      OFFLINE_MODEL_LATENCY_MS: '0',
    },
    createLogger('silent'),
  );
});
afterAll(async () => {
  await playground?.stop();
});

function say(body: object, headers: Record<string, string> = {}) {
  return fetch(`${base()}/playground/say`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function state(user: string, extra: Record<string, string> = {}): Promise<PageState> {
  const q = new URLSearchParams({ user, channel, ...extra });
  return (await (await fetch(`${base()}/playground/state?${q}`)).json()) as PageState;
}

describe('the playground page server', () => {
  it('serves the page with its accessible names and a policy that forbids inline script', async () => {
    const res = await fetch(`${base()}/`);
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).toContain('aria-label="Message"');
    expect(html).toContain('aria-label="Reply"');
    expect(html).toMatch(/<label for="pw-acting-as">Acting as<\/label>/);
    expect(html).toContain('Offline model');
  });

  it('refuses what a browser page on another site, or a broken client, could send', async () => {
    const ok = { user: requester, channel, text: 'hello' };
    expect((await say(ok, { origin: 'http://evil.example' })).status).toBe(403);
    const form = await fetch(`${base()}/playground/say`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(ok),
    });
    expect(form.status).toBe(415);
    expect((await say({ ...ok, user: 'U0NOBODY' })).status).toBe(400);
    expect((await say({ ...ok, text: '   ' })).status).toBe(400);
    expect((await say({ ...ok, text: 'x'.repeat(40_001) })).status).toBe(400);
    // Someone else's DM with the bot is not theirs to write in.
    expect((await say({ ...ok, channel: PLAYGROUND_CHANNEL_IDS.dm.teammate })).status).toBe(403);
    expect((await state(requester)).messages.map((m) => m.html).join('')).not.toContain('hello');
  });

  it('keeps typed markup as text, in the store and on the page', async () => {
    const res = await say({ user: teammate, channel, text: '<script>alert(1)</script> <b>hi</b> @maya' });
    expect(res.status).toBe(200);
    const page = await state(teammate);
    const html = page.messages.map((m) => m.html).join('');
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain('&lt;script&gt;');
    // "@maya" became a real mention, shown by name.
    expect(html).toMatch(/@maya/);
  });

  it("shows the bot's Home tab and modals to the person they were published for, live", async () => {
    const changes: string[] = [];
    const stream = await fetch(`${base()}/playground/stream`);
    const reader = stream.body?.getReader();
    const reading = (async () => {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        changes.push(new TextDecoder().decode(chunk.value));
      }
    })();
    const slack = new WebClient(playground.slack.botToken, { slackApiUrl: playground.slack.apiUrl });
    await slack.views.publish({
      user_id: requester,
      view: {
        type: 'home',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Your projects*: none yet' } }],
      },
    });
    await waitFor(() => changes.join('').includes('"kind":"view"'), { timeoutMs: 5_000 });
    expect((await state(requester)).home).toContain('<strong>Your projects</strong>');
    expect((await state(teammate)).home).toBeUndefined();
    await reader?.cancel();
    await reading.catch(() => undefined);
  });

  it('shows a modal the bot opens with a trigger id, until the person closes it', async () => {
    const slack = new WebClient(playground.slack.botToken, { slackApiUrl: playground.slack.apiUrl });
    const opened = await slack.views.open({
      trigger_id: playground.slack.triggerId(teammate),
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Why reject?' },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Tell the requester _why_.' } }],
      },
    });
    const viewId = opened.view?.id ?? '';
    const modals = (await state(teammate)).modals;
    expect(modals.map((m) => m.id)).toEqual([viewId]);
    expect(modals[0]?.html).toContain('Why reject?');
    expect(modals[0]?.html).toContain('<em>why</em>');
    expect((await state(requester)).modals).toEqual([]);
    const closed = await fetch(`${base()}/playground/close-modal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: teammate, viewId }),
    });
    expect(closed.status).toBe(200);
    expect((await state(teammate)).modals).toEqual([]);
  });

  it("submits a modal's inputs as Slack's view_submission, and only the person's own modal", async () => {
    const slack = new WebClient(playground.slack.botToken, { slackApiUrl: playground.slack.apiUrl });
    const opened = await slack.views.open({
      trigger_id: playground.slack.triggerId(teammate),
      view: {
        type: 'modal',
        callback_id: 'playground-test',
        title: { type: 'plain_text', text: 'Why?' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: { type: 'plain_text', text: 'Reason' },
            element: { type: 'plain_text_input', action_id: 'text' },
          },
        ],
      },
    });
    const viewId = opened.view?.id ?? '';
    expect((await state(teammate)).modals[0]?.html).toContain('data-input-block-id="reason"');
    const submit = (user: string) =>
      fetch(`${base()}/playground/view-submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, viewId, values: { reason: { text: 'too risky' } } }),
      });
    // Someone else cannot submit it; the app acks a submission nobody handles, and Slack closes the modal.
    expect((await submit(requester)).status).toBe(404);
    const answer = (await (await submit(teammate)).json()) as { ok: boolean; delivered: { ok: boolean } };
    expect(answer).toMatchObject({ ok: true, delivered: { ok: true } });
    expect((await state(teammate)).modals).toEqual([]);
  });

  it('tells the app when a person opens its Home or Messages tab', async () => {
    for (const tab of ['home', 'messages']) {
      const res = await fetch(`${base()}/playground/open-tab`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: requester, tab }),
      });
      expect(await res.json()).toMatchObject({ ok: true, delivered: { ok: true } });
    }
    // Opening the Messages tab makes the app suggest requests there; the page offers them (1 to 4).
    const dm = PLAYGROUND_CHANNEL_IDS.dm.requester;
    await waitFor(async () => {
      const q = new URLSearchParams({ user: requester, channel: dm });
      const page = (await (await fetch(`${base()}/playground/state?${q}`)).json()) as PageState;
      const count = page.channel.prompts?.length ?? 0;
      return count >= 1 && count <= 4 && (page.channel.prompts ?? []).every((p) => p.title && p.message);
    });
  });

  it('opens a project from a direct message to the bot, answered in that DM', async () => {
    const dm = PLAYGROUND_CHANNEL_IDS.dm.requester;
    const res = await say({ user: requester, channel: dm, text: 'build a demand forecast for our stores' });
    expect(res.status).toBe(200);
    const { ts } = (await res.json()) as { ts: string };
    await waitFor(async () => {
      const q = new URLSearchParams({ user: requester, channel: dm, thread: ts });
      const page = (await (await fetch(`${base()}/playground/state?${q}`)).json()) as PageState;
      return page.channel.id === dm && (page.thread?.messages.length ?? 0) >= 2;
    });
  });

  it("shows the thread's agent session, and Slack's Stop from the requester cancels the run", async () => {
    const dm = PLAYGROUND_CHANNEL_IDS.dm.requester;
    const res = await say({ user: requester, channel: dm, text: 'build a fraud model for card payments' });
    const { ts } = (await res.json()) as { ts: string };
    const threadState = async () => {
      const q = new URLSearchParams({ user: requester, channel: dm, thread: ts });
      return ((await (await fetch(`${base()}/playground/state?${q}`)).json()) as PageState).thread;
    };
    // Waiting on the requester's answers: the session is suspended.
    await waitFor(async () => (await threadState())?.session?.status === 'suspended');
    const stop = await fetch(`${base()}/playground/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: requester, channel: dm, threadTs: ts }),
    });
    expect(await stop.json()).toMatchObject({ ok: true, delivered: { ok: true } });
    await waitFor(async () => (await threadState())?.session?.status === 'closed');
    const html = (await threadState())?.messages.map((m) => m.html).join('') ?? '';
    expect(html).toMatch(/cancel/i);
  });

  it('downloads files rather than rendering them on the page', async () => {
    const slack = new WebClient(playground.slack.botToken, { slackApiUrl: playground.slack.apiUrl });
    await slack.filesUploadV2({
      channel_id: channel,
      filename: 'evil.html',
      content: '<script>alert(1)</script>',
      title: 'evil.html',
    });
    let fileId = '';
    await waitFor(async () => {
      const html = (await state(requester)).messages.map((m) => m.html).join('');
      fileId = /\/playground\/files\/(F\w+)/.exec(html)?.[1] ?? '';
      return fileId !== '';
    });
    const res = await fetch(`${base()}/playground/files/${fileId}`);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="evil.html"/);
    expect(await res.text()).toBe('<script>alert(1)</script>');
    expect((await fetch(`${base()}/playground/files/F0NOTHERE`)).status).toBe(404);
  });
});
