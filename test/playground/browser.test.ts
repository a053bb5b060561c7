import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { type RunningPlayground, startPlayground } from '../../src/app/playground.js';

/**
 * The playground as a newcomer uses it, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core; never a browser download): a request typed in the channel, a question answered in the
 * thread, both gates approved after a teammate's click is refused, `status`, the summary and the report,
 * and a reload that shows the same history. Screenshots go to test-results/playground/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-results', 'playground');
const DOCS = join(process.cwd(), 'docs');
const README_SHOTS = [
  ['3-finished-run.png', 'playground.png'],
  ['3a-summary-coverage.png', 'summary-coverage.png'],
  ['6-app-home.png', 'app-home.png'],
  ['4-reject-modal.png', 'reject-modal.png'],
  ['run-picture.png', 'run-picture.png'],
] as const;
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.PLAYGROUND_BROWSER_TEST_REQUIRED) {
  throw new Error(`the playground browser test is required here, and there is no Chromium at ${CHROMIUM}`);
}
if (!hasChromium) {
  console.warn(
    `SKIPPED the playground browser test: no Chromium at ${CHROMIUM}. Install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`,
  );
}

const RUN_TIMEOUT_MS = 240_000;

describe.skipIf(!hasChromium)('the playground in a browser', () => {
  let playground: RunningPlayground;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    playground = await startPlayground(
      {
        PATH: process.env.PATH,
        REDIS_URL: inject('redisUrl'),
        REDIS_KEY_PREFIX: `pw${randomUUID().slice(0, 8)}`,
        PORT: '0',
        OFFLINE_MODEL_LATENCY_MS: '200',
        LOG_LEVEL: 'warn',
      },
      createLogger('warn'),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
  });

  it(
    'runs a project from request to report, with approvals, a refused click and status',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(String(err)));
      await page.goto(playground.url);
      try {
        await runProject(page, playground);
        await visitHome(page);
        await rejectWithReason(page);
        // The README's pictures are these: `UPDATE_README_SCREENSHOT=1 npx vitest run test/playground/browser.test.ts`.
        if (process.env.UPDATE_README_SCREENSHOT) {
          for (const [shot, doc] of README_SHOTS) copyFileSync(join(SHOTS, shot), join(DOCS, doc));
        }
      } catch (err) {
        await page.screenshot({ path: join(SHOTS, 'failure.png') }).catch(() => undefined);
        const seen = await page
          .locator('#pw-thread')
          .innerText()
          .catch(() => '');
        throw new Error(`${String(err)}\n--- the thread showed:\n${seen.slice(-4000)}`);
      }
      expect(problems).toEqual([]);
    },
    RUN_TIMEOUT_MS + 60_000,
  );
});

async function runProject(page: Page, playground: RunningPlayground): Promise<void> {
  {
    await expect.poll(() => page.locator('header').textContent()).toContain('Offline model');
    await actAs(page, 'requester');
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill(
      '@pipewright build a churn model for our subscription business and serve it as a real-time API on our Kubernetes cluster',
    );
    await message.press('Enter');

    // A second tab sees the same channel, live.
    const other = await page.context().newPage();
    await other.goto(playground.url);
    await other.getByText('real-time API on our Kubernetes cluster').first().waitFor({ timeout: 10_000 });
    await other
      .getByRole('button', { name: /repl(y|ies)$/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await other.close();

    // The bot answers in the thread: open it and answer its questions.
    const thread = page.getByRole('complementary', { name: 'Thread' });
    await page
      .getByRole('button', { name: /repl(y|ies)$/ })
      .first()
      .click({ timeout: 30_000 });
    await waitForText(page, thread, /\?/);
    await page.screenshot({ path: join(SHOTS, '1-question.png') });
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.fill(
      'Data is in our Postgres warehouse, refreshed daily. Predictions must come back within 200 ms; recall on churners matters most.',
    );
    await reply.press('Enter');

    // First gate: a teammate may not approve; the approver may.
    await approveNextGate(page, thread, { refuseAsTeammateFirst: true });
    await page.screenshot({ path: join(SHOTS, '2-first-gate-approved.png') });
    await approveNextGate(page, thread, { refuseAsTeammateFirst: false });

    await actAs(page, 'requester');
    // The answer to `status` is a table with a Note column (the summary's has none; the live status is a plan card).
    const statusReply = thread.locator('.pw-row', {
      has: page.locator('table.pw-table th', { hasText: 'Note' }),
    });
    const statusReplies = () => statusReply.count();
    const statusBefore = await statusReplies();
    await reply.fill('status');
    await reply.press('Enter');
    // A new reply in the thread, naming the stages (the live status message is edited, not added).
    await expect.poll(statusReplies, { timeout: 30_000 }).toBeGreaterThan(statusBefore);
    expect(await statusReply.last().innerText()).toMatch(/phase3\.kubernetes-architect/);

    await waitForText(page, thread, /Executive summary/, RUN_TIMEOUT_MS);
    // Every stage was reviewed against its checklist: its note says how it did, and so does the summary.
    expect(await thread.locator('.pw-row', { hasText: 'finished' }).first().innerText()).toMatch(
      /checklist \d+\/\d+.* · 2 files/,
    );
    const summary = thread.locator('.pw-row', { hasText: 'Executive summary' }).first();
    await summary.scrollIntoViewIfNeeded();
    const summaryText = await summary.innerText();
    expect(summaryText).toContain('Checklist coverage after independent review');
    expect(summaryText).toContain('ROI estimate');
    await summary.getByText('Checklist coverage after independent review').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, '3a-summary-coverage.png') });
    const report = thread.getByRole('link', { name: /Pipewright report/ });
    await report.waitFor({ timeout: 30_000 });
    const download = await report.getAttribute('href');
    expect(download).toMatch(/^\/playground\/files\//);
    const file = await page.request.get(new URL(download ?? '', playground.url).toString());
    expect(file.status()).toBe(200);
    const body = await file.text();
    expect(body).toMatch(/^# /m);
    expect(body).toContain('phase3.kubernetes-architect');
    // The run picture comes with the summary and shows inline, decoded by the browser.
    const picture = thread.locator('img.pw-file-image').last();
    await picture.waitFor({ timeout: 30_000 });
    await picture.scrollIntoViewIfNeeded();
    await expect
      .poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 10_000,
      })
      .toBeGreaterThan(1000);
    // The picture itself (2x, as Slack shows it when opened): its PNG bytes, as the thread offers them.
    const src = await picture.getAttribute('src');
    const png = await page.request.get(new URL(src ?? '', playground.url).toString());
    expect(png.headers()['content-type']).toBe('image/png');
    writeFileSync(join(SHOTS, 'run-picture.png'), await png.body());
    await page.screenshot({ path: join(SHOTS, '3-finished-run.png'), fullPage: false });

    const before = await thread.locator('.pw-row').allTextContents();
    await page.reload();
    await expect.poll(() => thread.locator('.pw-row').allTextContents()).toEqual(before);
  }
}

/** App Home lists the person's projects; its Status button answers in the app's Messages tab. */
async function visitHome(page: Page): Promise<void> {
  await actAs(page, 'requester');
  await page.getByRole('button', { name: 'Pipewright · Home' }).click();
  const home = page.getByRole('region', { name: 'Home tab' });
  await home.getByText('Your Pipewright projects').waitFor({ timeout: 20_000 });
  await home
    .getByText(/churn model/)
    .first()
    .waitFor();
  await page.screenshot({ path: join(SHOTS, '6-app-home.png') });
  // The project's link opens its thread here, as it would in Slack.
  await home
    .getByRole('link', { name: /churn model/ })
    .first()
    .click();
  await page.getByRole('complementary', { name: 'Thread' }).getByText('Executive summary').first().waitFor();
  await page.getByRole('button', { name: 'Pipewright · Home' }).click();
  await home.getByRole('button', { name: 'Status' }).first().click();
  await page.getByRole('button', { name: 'Pipewright · Messages' }).click();
  // The Messages tab shows the requests the app suggests there.
  await page
    .getByRole('region', { name: 'Suggested prompts' })
    .getByRole('button')
    .first()
    .waitFor({ timeout: 20_000 });
  await page.locator('#pw-messages .pw-row', { hasText: 'Status of' }).first().waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: '#ml-projects' }).click();
}

/** A second project, rejected at its first gate through the reason modal. */
async function rejectWithReason(page: Page): Promise<void> {
  await actAs(page, 'requester');
  const message = page.getByRole('textbox', { name: 'Message' });
  await message.fill(
    '@pipewright forecast weekly demand per store and serve it as an API on our Kubernetes cluster',
  );
  await message.press('Enter');
  const thread = page.getByRole('complementary', { name: 'Thread' });
  await page
    .locator('.pw-row', { hasText: 'forecast weekly demand' })
    .getByRole('button', { name: /repl(y|ies)$/ })
    .click({ timeout: 30_000 });
  await waitForText(page, thread, /A few questions/);
  const reply = page.getByRole('textbox', { name: 'Reply' });
  await reply.fill('go');
  await reply.press('Enter');
  const reject = thread.getByRole('button', { name: 'Reject', exact: true }).last();
  await reject.waitFor({ timeout: RUN_TIMEOUT_MS });
  await actAs(page, 'approver');
  await reject.click();
  const modal = page.getByRole('dialog', { name: 'Reject deployment' });
  await modal.waitFor({ timeout: 20_000 });
  // Submitting without a reason keeps the modal open with the app's error under the input.
  await modal.getByRole('button', { name: 'Reject', exact: true }).click();
  await modal.locator('.pw-input-error').filter({ hasText: /\S/ }).first().waitFor({ timeout: 20_000 });
  await modal
    .getByRole('textbox', { name: 'Why do you reject it?' })
    .fill('The rollout skips the EU region <!channel>');
  await page.screenshot({ path: join(SHOTS, '4-reject-modal.png') });
  await modal.getByRole('button', { name: 'Reject', exact: true }).click();
  await modal.waitFor({ state: 'detached', timeout: 20_000 });
  await waitForText(page, thread, /Their reason/);
  const notice = thread.locator('.pw-row', { hasText: 'Their reason' }).last();
  expect(await notice.innerText()).toContain('The rollout skips the EU region <!channel>');
  await page.screenshot({ path: join(SHOTS, '5-rejected-with-reason.png') });
}

async function actAs(page: Page, role: 'requester' | 'teammate' | 'approver'): Promise<void> {
  const select = page.getByLabel('Acting as');
  const option = select.locator('option', { hasText: role });
  const value = await option.getAttribute('value');
  if (!value) throw new Error(`nobody is the ${role} in the playground`);
  await select.selectOption(value);
  await expect.poll(() => select.inputValue()).toBe(value);
}

async function waitForText(
  page: Page,
  scope: ReturnType<Page['getByRole']>,
  pattern: RegExp,
  timeout = 60_000,
): Promise<void> {
  await scope.getByText(pattern).first().waitFor({ timeout });
  void page;
}

async function approveNextGate(
  page: Page,
  thread: ReturnType<Page['getByRole']>,
  opts: { refuseAsTeammateFirst: boolean },
): Promise<void> {
  const approve = thread.getByRole('button', { name: 'Approve', exact: true }).last();
  await approve.waitFor({ timeout: RUN_TIMEOUT_MS });
  if (opts.refuseAsTeammateFirst) {
    await actAs(page, 'teammate');
    await approve.click();
    const refusal = thread.locator('.pw-row', { hasText: 'Only visible to you' }).last();
    await refusal.waitFor({ timeout: 20_000 });
    expect(await refusal.innerText()).toMatch(/Only @priya can approve or reject .*Nothing changed/);
    await page.screenshot({ path: join(SHOTS, '2a-teammate-refused.png') });
    // Nothing changed: the gate still offers its buttons.
    expect(await approve.isVisible()).toBe(true);
  }
  await actAs(page, 'approver');
  const buttonsBefore = await thread.getByRole('button', { name: 'Approve', exact: true }).count();
  await approve.click();
  await expect
    .poll(() => thread.getByRole('button', { name: 'Approve', exact: true }).count(), { timeout: 30_000 })
    .toBeLessThan(buttonsBefore);
}
