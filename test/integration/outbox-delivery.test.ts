import { describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/slack-stand-in.js';
import { type Harness, messageText, startHarness } from './harness.js';

const isWelcome = (c: SlackCall) => messageText(c).includes("I'm Pipewright");
const isQuestions = (c: SlackCall) => messageText(c).includes('A few questions before I plan');

/** What the thread shows, in order: one letter per message we care about (W welcome, Q questions). */
function threadOrder(h: Harness, threadTs: string): string {
  return h
    .posts(threadTs)
    .map((c) => (isWelcome(c) ? 'W' : isQuestions(c) ? 'Q' : ''))
    .join('');
}

describe('slack outbox: a write whose answer is lost', () => {
  it('posts the message once when Slack took the post but the connection dropped before the answer', async () => {
    const h = await startHarness();
    h.slack.dropAfterHandlingNext('chat.postMessage', 'reset');
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/);

    // The welcome reached the thread on the first try; the retry found it there instead of posting it again.
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 0)).toHaveLength(1);
    expect(threadOrder(h, threadTs)).toBe('WQ');
    expect(h.slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('gives up on a Slack call that never answers (SLACK_API_TIMEOUT_MS), then posts the message once', async () => {
    const h = await startHarness({ SLACK_API_TIMEOUT_MS: '1000' });
    h.slack.dropAfterHandlingNext('chat.postMessage', 'hang');
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/, 20_000);

    expect(threadOrder(h, threadTs)).toBe('WQ');
    expect(h.slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('keeps the thread in order when a post fails and waits for its retry: later messages wait behind it', async () => {
    const h = await startHarness();
    h.slack.failNext('chat.postMessage', 'internal_error');
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.waitForThread(threadTs, /I'm Pipewright/);

    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.response.ok === false)).toHaveLength(1);
    expect(threadOrder(h, threadTs)).toBe('WQ');
  });
});
