import { describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  type Harness,
  messageText,
  openAndGo,
  REQUESTER,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

/**
 * Budgets (DESIGN.md, "Spending"), through the real app: every call is priced before it is made, and a
 * run that could pass its project's or its workspace's budget pauses before the call and asks.
 *
 * Prices are set so that tokens cost real money at test sizes: $100 per million tokens, in and out. A
 * call then costs about $0.10–0.40 and is priced at most at $0.5–1.2 (its whole output limit).
 */
const PRICES = JSON.stringify({ sonnet: { input: 100, output: 100, cacheRead: 100, cacheWrite: 100 } });
/** Stage calls priced at 8,000 output tokens (not the default 32,000), so those sizes hold. */
const STAGE_MAX_TOKENS = '8000';

function budgetMessages(h: Harness, threadTs: string): SlackCall[] {
  return h.posts(threadTs).filter((c) => messageText(c).includes('Paused at the budget'));
}

/** The latest text of the message first posted as `call`, edits applied. */
function latest(h: Harness, call: SlackCall): string {
  const edits = h.slack.callsTo('chat.update').filter((c) => c.args.ts === call.response.ts);
  return messageText(edits.at(-1) ?? call);
}

describe('spending', () => {
  it('shows the forecast on the plan, pauses before a call that could pass the project budget, and goes on when the requester raises it', async () => {
    const h = await startHarness({ MODEL_PRICES: PRICES, STAGE_MAX_TOKENS, PROJECT_BUDGET_USD: '2' });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /Paused at the budget/, 20_000);
    await waitForIdleQueues(h);
    const text = h.threadText(threadTs);
    expect(text).toMatch(/Forecast: up to \$\d+\.\d\d for one try of every stage/);
    expect(text).toContain('Budget $2.00: I pause and ask before any call that could pass it.');
    expect(text).toMatch(/\| up to \$\d+\.\d\d|· up to \$\d+\.\d\d/);

    const [question] = budgetMessages(h, threadTs);
    if (!question) throw new Error('no budget question');
    const asked = messageText(question);
    expect(asked).toMatch(
      /The next model call could cost up to \$\d+\.\d\d, and this project's budget is \$2\.00/,
    );
    expect(asked).toContain('project manager (questions, plan, summary)');
    expect(asked).toContain('phase1.data-engineer');
    expect(asked).toContain('*Raise budget* sets the ceiling to $4.00');

    // Nothing is spent while paused: no model call is made.
    const calls = h.model.requests.length;
    await h.clickButton(question, 'budget_raise', 'USTRANGER');
    expect(await h.waitForEphemeral('USTRANGER', /can `raise the budget` this run/)).toContain(
      'Nothing changed',
    );
    await waitForIdleQueues(h);
    expect(h.model.requests).toHaveLength(calls);

    await h.clickButton(question, 'budget_raise', REQUESTER);
    await waitFor(() => latest(h as Harness, question).includes('Budget raised to $4.00 by <@UREQUESTER>'));
    await waitFor(() => h.model.requests.length > calls, {
      message: 'the run did not go on after the raise',
    });
    // The old question's buttons are gone; a click on them now does nothing.
    await h.clickButton(question, 'budget_raise', REQUESTER);
    expect(await h.waitForEphemeral(REQUESTER, /already answered or out of date/)).toBeTruthy();
  });

  it('stops at the budget when asked, and asks again on resume before spending past it', async () => {
    const h = await startHarness({ MODEL_PRICES: PRICES, STAGE_MAX_TOKENS, PROJECT_BUDGET_USD: '2' });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /Paused at the budget/, 20_000);
    const [question] = budgetMessages(h, threadTs);
    if (!question) throw new Error('no budget question');
    await h.clickButton(question, 'budget_stop', REQUESTER);
    await h.waitForThread(threadTs, /<@UREQUESTER> stopped the run at the budget/);
    await waitForIdleQueues(h);
    const calls = h.model.requests.length;
    const posted = h.posts(threadTs).length;
    await h.reply(threadTs, 'status');
    await waitFor(() =>
      h
        .posts(threadTs)
        .slice(posted)
        .some((c) => /^\*Status: stopped\*/.test(messageText(c)) && messageText(c).includes('budget $2.00')),
    );

    await h.reply(threadTs, 'resume');
    await waitFor(() => budgetMessages(h as Harness, threadTs).length === 2, {
      message: () => `no second budget question:\n${h.threadText(threadTs).slice(-2000)}`,
    });
    await waitForIdleQueues(h);
    expect(h.model.requests).toHaveLength(calls);
  });

  it("pauses at the workspace's daily budget, and Raise budget lifts it for the whole workspace", async () => {
    const h = await startHarness({
      MODEL_PRICES: PRICES,
      STAGE_MAX_TOKENS,
      PROJECT_BUDGET_USD: '100',
      WORKSPACE_DAILY_BUDGET_USD: '1.5',
    });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /this workspace's budget for today is \$1\.50/, 20_000);
    const [question] = budgetMessages(h, threadTs);
    if (!question) throw new Error('no budget question');
    expect(messageText(question)).toContain('*Raise budget* sets the ceiling to $3.00');
    const calls = h.model.requests.length;
    await h.clickButton(question, 'budget_raise', REQUESTER);
    await waitFor(() => latest(h as Harness, question).includes('Budget raised to $3.00'));
    await waitFor(() => h.model.requests.length > calls, {
      message: 'the run did not go on after the raise',
    });
  });
});
