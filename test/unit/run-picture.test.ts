import { describe, expect, it } from 'vitest';
import { renderRunPicture, svgToPng } from '../../src/bot/views/picture/png.js';
import { escapeXml, runPictureSvg } from '../../src/bot/views/picture/svg.js';
import { nextAttempt } from '../../src/domain/attempts.js';
import { buildTimeline, criticalPath, MANAGER_LANE } from '../../src/domain/timeline.js';
import { atMinute, sevenStageRun } from '../support/run-picture-fixture.js';

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  expect(png.subarray(png.length - 8, png.length - 4).toString('ascii')).toBe('IEND');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('critical path', () => {
  it('follows, from the stage that ended last, the input that ended last', () => {
    const path = criticalPath([
      { id: 'a', reads: [], endMs: 10 },
      { id: 'b', reads: ['a'], endMs: 30 },
      { id: 'c', reads: ['a'], endMs: 20 },
      { id: 'd', reads: ['b', 'c'], endMs: 40 },
    ]);
    expect(path).toEqual(['a', 'b', 'd']);
  });

  it('leaves out stages that never ended and is empty when none did', () => {
    expect(criticalPath([{ id: 'a', reads: [] }])).toEqual([]);
    expect(
      criticalPath([
        { id: 'a', reads: [], endMs: 5 },
        { id: 'b', reads: ['a'] },
      ]),
    ).toEqual(['a']);
  });
});

describe('run timeline', () => {
  it('marks the retried attempt, the gate wait, the wait for answers, and the critical path', () => {
    const t = buildTimeline(sevenStageRun(), atMinute(200));
    const lane = (id: string) => t.lanes.find((l) => l.id === id);
    const scientist = lane('phase1.data-scientist');
    expect(scientist?.segments.map((s) => [s.kind, s.retried ?? false, s.state])).toEqual([
      ['run', true, 'failed'],
      ['run', false, 'done'],
    ]);
    const gate = lane('phase3.mlops-engineer')?.segments.find((s) => s.kind === 'gate_wait');
    expect(gate && gate.toMs - gate.fromMs).toBe(40 * 60_000);
    const answers = lane(MANAGER_LANE)?.segments.find((s) => s.kind === 'answer_wait');
    expect(answers && answers.toMs - answers.fromMs).toBe(10 * 60_000);
    expect(t.criticalPath).toEqual([
      'phase1.data-engineer',
      'phase1.data-scientist',
      'phase2.ml-engineer',
      'phase3.mlops-engineer',
      'phase3.kubernetes-architect',
      'phase4.observability-engineer',
    ]);
    expect(lane('phase2.python-pro')?.onCriticalPath).toBe(false);
    // A finished run ends where it ended, not at the reader's now.
    expect(t.endMs).toBe(atMinute(115));
  });

  it('draws a running stage and an open gate up to now', () => {
    const p = sevenStageRun();
    p.phase = 'running';
    const ids = Object.keys(p.stages);
    const running = ids[2] as string;
    const gated = ids[4] as string;
    p.stages[running] = { state: 'running', attempt: 1, startedAt: atMinute(40) };
    p.stages[gated] = { state: 'awaiting_approval', attempt: 1, gateOpenedAt: atMinute(45) };
    const t = buildTimeline(p, atMinute(60));
    const seg = (id: string) => t.lanes.find((l) => l.id === id)?.segments.at(-1);
    expect(seg(running)).toMatchObject({ kind: 'run', toMs: atMinute(60), open: true });
    expect(seg(gated)).toMatchObject({ kind: 'gate_wait', toMs: atMinute(60), open: true });
  });

  it('keeps an ended attempt when the next one starts', () => {
    const next = nextAttempt({
      state: 'failed',
      attempt: 1,
      startedAt: 10,
      finishedAt: 20,
      error: 'boom',
    });
    expect(next).toEqual({
      state: 'pending',
      attempt: 2,
      earlierAttempts: [{ attempt: 1, state: 'failed', startedAt: 10, finishedAt: 20 }],
    });
    // An attempt that never started (parked in the queue) leaves nothing behind.
    expect(nextAttempt({ state: 'cancelled', attempt: 3, finishedAt: 5 })).toEqual({
      state: 'pending',
      attempt: 4,
    });
  });
});

describe('run picture svg', () => {
  it('is the same for the same run, and names every stage with its cost', () => {
    const p = sevenStageRun();
    const a = runPictureSvg(buildTimeline(p, atMinute(200))).svg;
    expect(runPictureSvg(buildTimeline(p, atMinute(200))).svg).toBe(a);
    for (const id of Object.keys(p.stages)) expect(a).toContain(`>${id}</text>`);
    expect(a).toContain('>$0.61</text>');
    expect(a).toContain('approval 40m 00s');
    expect(a).toContain('>try 1</text>');
    expect(a).toContain('>3 tries</text>');
    expect(a).toContain('Critical path: phase1.data-engineer → phase1.data-scientist');
  });

  it('escapes what a person wrote', () => {
    const p = sevenStageRun();
    p.requirements = undefined;
    p.request = 'churn <script>alert("x")</script> & \u0007more';
    const { svg } = runPictureSvg(buildTimeline(p, atMinute(200)));
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('churn &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(escapeXml("a'b")).toBe('a&apos;b');
  });
});

describe('run picture png', () => {
  it('decodes, at twice the layout size, and stays small for a seven-stage run', () => {
    const p = sevenStageRun();
    const { svg, width, height } = runPictureSvg(buildTimeline(p, p.updatedAt));
    const picture = renderRunPicture(p, p.updatedAt);
    expect(pngSize(picture.png)).toEqual({ width: width * 2, height: height * 2 });
    expect(picture.png.length).toBeLessThanOrEqual(300 * 1024);
    expect(picture.png.length).toBeGreaterThan(10 * 1024); // drawn, not blank
    expect(svgToPng(svg).png.equals(picture.png)).toBe(true);
  });

  it('draws a run that has no plan yet', () => {
    const p = sevenStageRun();
    p.plan = undefined;
    p.stages = {};
    p.phase = 'clarifying';
    p.decisions = [];
    const picture = renderRunPicture(p, atMinute(5));
    expect(pngSize(picture.png).width).toBe(2000);
  });
});
