import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { DEFAULT_STAGES, type Harness, runToFirstGate, startHarness } from './harness.js';

type Cell = { type: string; text: string };

async function statusReply(h: Harness, threadTs: string) {
  const before = h.posts(threadTs).length;
  await h.reply(threadTs, 'status', 'USOMEONE');
  return waitFor(
    () =>
      h
        .posts(threadTs)
        .slice(before)
        .find((c) => String(c.args.text).startsWith('Status:')),
    { message: 'no status reply' },
  );
}

function tableRows(blocks: unknown): string[][] | undefined {
  const table = (blocks as Array<{ type: string; rows?: Cell[][] }>).find((b) => b.type === 'table');
  return table?.rows?.map((r) => r.map((c) => c.text));
}

describe('tables in the thread', () => {
  it('status answers with a table of every stage, its state, tokens and cost', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const reply = await statusReply(h, threadTs);
    const rows = tableRows(reply.args.blocks);
    expect(rows?.[0]).toEqual(['Stage', 'State', 'Tokens', 'Cost', 'Note']);
    expect(rows?.slice(1).map((r) => r[0]?.replace(' 🔒', ''))).toEqual(DEFAULT_STAGES);
    const engineer = rows?.find((r) => r[0] === 'phase1.data-engineer');
    expect(engineer?.[1]).toBe('✅ done');
    expect(Number(engineer?.[2]?.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(rows?.find((r) => r[0]?.startsWith('phase3.mlops-engineer'))?.[1]).toBe('🔒 awaiting approval');
    // The notification text still names every stage with its state.
    expect(String(reply.args.text)).toContain('phase3.mlops-engineer: awaiting approval');
  });

  it('with SLACK_TABLE_BLOCKS=false, status lists the stages as text', async () => {
    const h = await startHarness({ SLACK_TABLE_BLOCKS: 'false' });
    const threadTs = await runToFirstGate(h);
    const reply = await statusReply(h, threadTs);
    expect(tableRows(reply.args.blocks)).toBeUndefined();
    expect(JSON.stringify(reply.args.blocks)).toContain('`phase3.mlops-engineer` :lock:');
  });
});
