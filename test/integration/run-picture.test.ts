import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import { outboxShard, outboxShardName } from '../../src/memory/queues.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, type Harness, REQUESTER, runToFirstGate, startHarness } from './harness.js';

/** The PNG's width and height from its IHDR chunk, once its signature and end chunk check out. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  expect(png.subarray(png.length - 8, png.length - 4).toString('ascii')).toBe('IEND');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Files shared in the thread under `name`, as a member downloads them (bot token). */
async function threadFiles(h: Harness, threadTs: string, name: string) {
  const found = [];
  for (const m of await h.slack.workspace.thread(CHANNEL, threadTs)) {
    for (const f of m.files ?? []) if (f.name === name) found.push({ message: m, file: f });
  }
  return found;
}

async function download(h: Harness, fileId: string): Promise<{ bytes: Buffer; mimetype: string }> {
  const stored = await h.slack.workspace.file(fileId);
  if (!stored) throw new Error(`no file ${fileId}`);
  return { bytes: stored.content, mimetype: stored.file.mimetype };
}

describe('the run picture', () => {
  it('`status picture` on a running project, then the picture with the summary and in the report', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);

    // While it waits at the gate, anyone in the thread may ask for the picture of the run so far.
    await h.reply(threadTs, 'status picture', 'USOMEONE');
    const soFar = await waitFor(
      async () => (await threadFiles(h, threadTs, 'pipewright-run-so-far.png'))[0],
      {
        message: 'no picture of the run so far',
      },
    );
    const partial = await download(h, soFar.file.id);
    expect(partial.mimetype).toBe('image/png');
    expect(pngSize(partial.bytes).width).toBe(2000);
    expect(partial.bytes.length).toBeLessThanOrEqual(300 * 1024);
    expect(soFar.message.text).toMatch(/The run so far \(running/);

    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);

    // The summary's table: every stage's cost, the project manager's, and the total.
    const summary = h.posts(threadTs).find((c) => String(c.args.text).startsWith('Executive summary'));
    const summaryBlocks = (summary?.args.blocks ?? []) as Array<{
      type: string;
      rows?: Array<Array<{ text: string }>>;
    }>;
    const table = summaryBlocks.find((b) => b.type === 'table');
    const rows = table?.rows?.map((r) => r.map((c) => c.text)) ?? [];
    expect(rows[0]).toEqual(['Stage', 'State', 'Tokens', 'Cost']);
    expect(rows.slice(1, 8).every((r) => r[1] === '✅ done')).toBe(true);
    expect(rows.at(-1)?.[0]).toBe('total');

    // With the summary: the picture, uploaded with the report in one message.
    const shared = await waitFor(async () => (await threadFiles(h, threadTs, 'pipewright-run.png'))[0], {
      timeoutMs: 15_000,
      message: 'the run picture was never uploaded with the report',
    });
    expect((shared.message.files ?? []).map((f) => f.name)).toEqual([
      'pipewright-run.png',
      'pipewright-report.md',
      'pipewright-run.json',
    ]);
    const picture = await download(h, shared.file.id);
    const { width, height } = pngSize(picture.bytes);
    expect(width).toBe(2000);
    expect(height).toBeGreaterThan(600); // a lane per stage, and the project manager's
    expect(picture.bytes.length).toBeLessThanOrEqual(300 * 1024);

    // The report embeds the same picture.
    const reportFile = (shared.message.files ?? []).find((f) => f.name === 'pipewright-report.md');
    const report = await download(h, String(reportFile?.id));
    expect(report.bytes.toString('utf8')).toContain(
      `![Run timeline](data:image/png;base64,${picture.bytes.toString('base64')})`,
    );

    // Only one picture of each kind: the status one was not taken for the report's, nor uploaded twice.
    expect(await threadFiles(h, threadTs, 'pipewright-run-so-far.png')).toHaveLength(1);
    expect(await threadFiles(h, threadTs, 'pipewright-run.png')).toHaveLength(1);
  });

  it('`status picture` before there is a plan says so', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'status picture');
    await h.waitForThread(threadTs, /No picture yet: the run is clarifying/);
  });

  it('`status picture` is not uploaded twice when the bot died between uploading it and recording it', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    await h.reply(threadTs, 'status picture');
    const keys = keySpace(h.config.redis.keyPrefix);
    const projectId = `T0001-${CHANNEL}-${threadTs}`;
    const messages = keys.projectMessages(projectId);
    const key = await waitFor(
      async () => (await h.redis.hkeys(messages)).find((k) => /^status-picture\.[^#]+$/.test(k)),
      { message: 'the picture was never recorded' },
    );
    const fileId = await h.redis.hget(messages, key);
    expect(await threadFiles(h, threadTs, 'pipewright-run-so-far.png')).toHaveLength(1);

    // The crash: uploaded, never recorded. The replayed job finds the file in the thread instead.
    await h.redis.hdel(messages, key, `${key}#rev`);
    await h.redis.hset(messages, `${key}#pending`, '1');
    const outbox = new Queue(outboxShardName(outboxShard(projectId, h.config.outboxShards)), {
      connection: h.redis,
      prefix: keys.bull,
    });
    await outbox.add('picture', {
      projectId,
      channelId: CHANNEL,
      threadTs,
      revision: 0,
      effect: { kind: 'run_picture', key },
    });
    expect(
      await waitFor(async () => (await h.redis.hget(messages, key)) ?? undefined, {
        message: 'the replay never recorded the picture',
      }),
    ).toBe(fileId);
    expect(await threadFiles(h, threadTs, 'pipewright-run-so-far.png')).toHaveLength(1);
    await outbox.close();
  });
});
