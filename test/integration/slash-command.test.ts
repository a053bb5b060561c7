import { describe, expect, it } from 'vitest';
import { postSignedCommand } from '../support/slack-signing.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, type Harness, messageText, REQUESTER, SIGNING_SECRET, startHarness } from './harness.js';

/** Types `/pipewright <text>` as `user` in `channel`; returns the HTTP answer and what the app said back. */
async function pipewright(
  h: Harness,
  text: string,
  opts: { user?: string; channel?: string } = {},
): Promise<{ status: number; body: string; ms: number; answer: SlackCall }> {
  const user = opts.user ?? REQUESTER;
  const channel = opts.channel ?? CHANNEL;
  const label = `cmd${Math.random().toString(36).slice(2, 10)}`;
  const res = await postSignedCommand(h.appUrl, SIGNING_SECRET, {
    command: '/pipewright',
    text,
    userId: user,
    channelId: channel,
    responseUrl: h.slack.responseUrl(label, { user, channel }),
  });
  const answer = await waitFor(() => h.slack.callsTo('response_url').find((c) => c.args.label === label), {
    message: `no answer to /pipewright ${text}`,
  });
  return { ...res, answer };
}

const said = (call: SlackCall) => messageText(call);

describe('/pipewright', () => {
  it('acks at once and answers help, an empty command and an unknown word with the help, ephemerally', async () => {
    const h = await startHarness();
    for (const text of ['help', '', 'frobnicate the data']) {
      const { status, body, ms, answer } = await pipewright(h, text);
      expect(status).toBe(200);
      expect(body).toBe('');
      expect(ms).toBeLessThan(3_000);
      expect(answer.args.response_type).toBe('ephemeral');
      expect(said(answer)).toContain('/pipewright new <request>');
      expect(said(answer)).toContain('/pipewright list');
      expect(said(answer)).toContain('/pipewright status');
      if (text.startsWith('frobnicate')) expect(said(answer)).toContain('I do not know `frobnicate`');
    }
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('new opens a project in the channel as a mention would, with a message quoting the request', async () => {
    const h = await startHarness();
    const { answer } = await pipewright(h, 'new build a churn model & serve it <!channel>');
    expect(said(answer)).toMatch(/Started: your project is in/);
    const root = h.slack
      .callsTo('chat.postMessage')
      .find((c) => c.args.channel === CHANNEL && c.args.thread_ts === undefined);
    if (!root) throw new Error('no message opened the thread');
    expect(said(root)).toContain('<@UREQUESTER> asked for a new project');
    expect(said(root)).toContain('build a churn model &amp; serve it &lt;!channel&gt;');
    const threadTs = String(root.response.ts);
    expect(said(answer)).toContain(`https://slack.com/archives/${CHANNEL}/p${threadTs.replace('.', '')}`);
    await h.waitForThread(threadTs, /A few questions before I plan/);
    // The requester carries on in the thread as after a mention.
    await h.reply(threadTs, 'go');
    await h.waitForThread(threadTs, /Plan:/);

    const list = await pipewright(h, 'list', { channel: 'C0ELSEWHERE' });
    expect(said(list.answer)).toMatch(/Your projects\* \(1\)/);
    expect(said(list.answer)).toContain(`p${threadTs.replace('.', '')}`);
    const here = await pipewright(h, 'status', { user: 'USOMEONE' });
    expect(said(here.answer)).toMatch(/Projects in this channel\* \(1\)/);
    const elsewhere = await pipewright(h, 'status', { channel: 'C0ELSEWHERE' });
    expect(said(elsewhere.answer)).toMatch(/No projects in this channel yet/);
  });

  it('list and status with nothing to show say how to start', async () => {
    const h = await startHarness();
    expect(said((await pipewright(h, 'list')).answer)).toMatch(/You have no projects yet/);
    expect(said((await pipewright(h, 'status')).answer)).toMatch(/No projects in this channel yet/);
  });

  it('new refuses a guest, a member of another organisation, and an empty request, and posts nothing', async () => {
    const h = await startHarness();
    h.slack.setUser('UGUEST', { isRestricted: true });
    h.slack.setUser('UEXTERNAL', { teamId: 'T0OTHERORG' });
    expect(said((await pipewright(h, 'new a model', { user: 'UGUEST' })).answer)).toMatch(
      /Guests cannot open projects/,
    );
    expect(said((await pipewright(h, 'new a model', { user: 'UEXTERNAL' })).answer)).toMatch(
      /members of other organisations/,
    );
    expect(said((await pipewright(h, 'new')).answer)).toMatch(/Tell me what you need after `new`/);
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('new says what to do when it cannot post in the conversation', async () => {
    const h = await startHarness();
    h.slack.failNext('chat.postMessage', 'not_in_channel');
    const { answer } = await pipewright(h, 'new a churn model', { channel: 'C0NOTJOINED' });
    expect(said(answer)).toMatch(/I cannot post in this conversation, so nothing was started/);
    expect(said(answer)).toContain('/invite @Pipewright');
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.response.ok === true)).toEqual([]);
  });
});
