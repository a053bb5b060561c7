import { formatUsd } from '../../../domain/spending.js';
import {
  formatDuration,
  MANAGER_LANE,
  type RunTimeline,
  type Segment,
  type TimelineLane,
} from '../../../domain/timeline.js';

/**
 * The run picture as SVG: one lane per stage (the project manager's first), each attempt a bar over time,
 * earlier tries hatched, waits for people in amber, the critical path outlined and joined, and each
 * stage's cost at the right. Pure and deterministic: the same timeline gives the same bytes. Every piece of
 * text is escaped; the font is named, never looked up (png.ts ships it).
 */

export const PICTURE_FONT_FAMILY = 'Inter';

const W = 1000;
const LABEL_X = 16;
const CHART_X0 = 250;
const CHART_X1 = W - 110;
const HEADER_H = 96;
const LANE_H = 38;
const BAR_H = 16;
const LEGEND_H = 78;

const COLORS = {
  ink: '#1d1c1d',
  muted: '#616061',
  grid: '#e8e8e8',
  lanePath: '#f6eff8',
  path: '#611f69',
  done: '#2eb67d',
  failed: '#e01e5a',
  running: '#1d9bd1',
  cancelled: '#9e9ea6',
  queued: '#c7c7cc',
  wait: '#ecb22e',
  budget: '#e8912d',
  manager: '#a77bb0',
} as const;

export interface PictureSvg {
  svg: string;
  width: number;
  height: number;
}

export function runPictureSvg(timeline: RunTimeline, now?: number): PictureSvg {
  const lanes = timeline.lanes;
  const height = HEADER_H + Math.max(1, lanes.length) * LANE_H + LEGEND_H;
  const span = Math.max(1000, timeline.endMs - timeline.startMs);
  const x = (t: number) => CHART_X0 + ((t - timeline.startMs) / span) * (CHART_X1 - CHART_X0);
  const laneY = (i: number) => HEADER_H + i * LANE_H;
  const out: string[] = [];

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="${PICTURE_FONT_FAMILY}">`,
    '<defs>',
    hatch('hatch-retry', '#ffffff', 0.55),
    hatch('hatch-wait', '#ffffff', 0.35),
    '</defs>',
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
  );

  // Header: what the run was, and the numbers a reader looks for first.
  out.push(
    text(LABEL_X, 32, clip(`Run timeline: ${timeline.title}`, 92), { size: 19, weight: 600 }),
    text(LABEL_X, 56, subtitle(timeline), { size: 13, fill: COLORS.muted }),
  );

  // Axis: a few round times from the start, with light grid lines through every lane.
  const gridTop = HEADER_H - 8;
  const gridBottom = laneY(lanes.length) + 2;
  for (const tick of ticks(span)) {
    const tx = round(x(timeline.startMs + tick));
    out.push(
      `<line x1="${tx}" y1="${gridTop}" x2="${tx}" y2="${gridBottom}" stroke="${COLORS.grid}" stroke-width="1"/>`,
      text(tx, HEADER_H - 14, tickLabel(tick), { size: 11, fill: COLORS.muted, anchor: 'middle' }),
    );
  }
  out.push(text(CHART_X1 + 94, HEADER_H - 14, 'cost', { size: 11, fill: COLORS.muted, anchor: 'end' }));

  lanes.forEach((lane, i) => {
    out.push(...laneSvg(lane, laneY(i), x));
  });
  out.push(...pathLinks(lanes, laneY, x));

  if (now !== undefined && now > timeline.startMs && now <= timeline.endMs) {
    const nx = round(x(now));
    out.push(
      `<line x1="${nx}" y1="${gridTop}" x2="${nx}" y2="${gridBottom}" stroke="${COLORS.running}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      text(nx, gridTop - 20, 'now', { size: 11, fill: COLORS.running, anchor: 'middle', weight: 600 }),
    );
  }

  out.push(...legend(gridBottom + 18, timeline));
  out.push('</svg>');
  return { svg: out.join('\n'), width: W, height };
}

function subtitle(t: RunTimeline): string {
  const stages = t.lanes.filter((l) => l.id !== MANAGER_LANE).length;
  const parts = [
    t.phase,
    `${stages} stage${stages === 1 ? '' : 's'}`,
    `${formatDuration(t.endMs - t.startMs)} from request`,
  ];
  if (t.waitMs > 0) parts.push(`${formatDuration(t.waitMs)} waiting for people`);
  parts.push(`est. ${formatUsd(t.totalUsd)}`);
  return parts.join(' · ');
}

function laneSvg(lane: TimelineLane, top: number, x: (t: number) => number): string[] {
  const out: string[] = [];
  const mid = top + LANE_H / 2;
  if (lane.onCriticalPath) {
    out.push(`<rect x="0" y="${top}" width="${W}" height="${LANE_H}" fill="${COLORS.lanePath}"/>`);
  }
  out.push(
    text(LABEL_X, mid - 3, clip(lane.label, 30), {
      size: 13,
      weight: lane.onCriticalPath ? 700 : 500,
      fill: lane.onCriticalPath ? COLORS.path : COLORS.ink,
    }),
    text(LABEL_X, mid + 12, clip(`${lane.role}${stateNote(lane)}`, 36), { size: 11, fill: COLORS.muted }),
  );
  let lastRunEnd: number | undefined;
  for (const seg of lane.segments) {
    out.push(...segmentSvg(seg, mid, x, lane.onCriticalPath));
    if (seg.kind === 'run' && !seg.retried) lastRunEnd = x(seg.toMs);
  }
  if (lastRunEnd !== undefined && lane.jobAttempts > 1) {
    out.push(
      text(round(lastRunEnd + 6), mid + 4, `${lane.jobAttempts} tries`, { size: 10, fill: COLORS.muted }),
    );
  }
  if (lane.costUsd > 0 || lane.tokens > 0) {
    out.push(text(W - 16, mid - 2, formatUsd(lane.costUsd), { size: 12, weight: 600, anchor: 'end' }));
    if (lane.tokens > 0)
      out.push(
        text(W - 16, mid + 12, `${compact(lane.tokens)} tokens`, {
          size: 10,
          fill: COLORS.muted,
          anchor: 'end',
        }),
      );
  }
  return out;
}

function stateNote(lane: TimelineLane): string {
  if (lane.state === 'manager') return '';
  const state = lane.state.replace('_', ' ');
  return lane.attempt > 1 ? ` · ${state} · try ${lane.attempt}` : ` · ${state}`;
}

function segmentSvg(seg: Segment, mid: number, x: (t: number) => number, critical: boolean): string[] {
  const x0 = round(x(seg.fromMs));
  const w = round(Math.max(3, x(seg.toMs) - x(seg.fromMs)));
  const out: string[] = [];
  switch (seg.kind) {
    case 'queued':
      out.push(`<rect x="${x0}" y="${mid - 2}" width="${w}" height="4" rx="2" fill="${COLORS.queued}"/>`);
      return out;
    case 'run': {
      const fill = runColor(seg);
      const stroke = critical && !seg.retried ? ` stroke="${COLORS.path}" stroke-width="2.5"` : '';
      out.push(
        `<rect x="${x0}" y="${mid - BAR_H / 2}" width="${w}" height="${BAR_H}" rx="3" fill="${fill}"${stroke}/>`,
      );
      if (seg.retried) {
        out.push(
          `<rect x="${x0}" y="${mid - BAR_H / 2}" width="${w}" height="${BAR_H}" rx="3" fill="url(#hatch-retry)"/>`,
        );
        if (w >= 34) out.push(barText(x0, w, mid, `try ${seg.attempt ?? 1}`, '#ffffff'));
      }
      if (seg.open) out.push(openEnd(x0 + w, mid, fill));
      return out;
    }
    case 'gate_wait':
    case 'answer_wait':
    case 'budget_wait': {
      const fill = seg.kind === 'budget_wait' ? COLORS.budget : COLORS.wait;
      const h = BAR_H - 4;
      out.push(
        `<rect x="${x0}" y="${mid - h / 2}" width="${w}" height="${h}" rx="2" fill="${fill}"/>`,
        `<rect x="${x0}" y="${mid - h / 2}" width="${w}" height="${h}" rx="2" fill="url(#hatch-wait)"/>`,
      );
      const label = `${WAIT_LABEL[seg.kind]} ${formatDuration(seg.toMs - seg.fromMs)}`;
      if (w >= label.length * 5.6 + 8) out.push(barText(x0, w, mid, label, COLORS.ink));
      if (seg.open) out.push(openEnd(x0 + w, mid, fill));
      return out;
    }
    case 'manager':
      out.push(
        `<rect x="${x0}" y="${mid - BAR_H / 2}" width="${w}" height="${BAR_H}" rx="3" fill="${COLORS.manager}"/>`,
      );
      if (seg.open) out.push(openEnd(x0 + w, mid, COLORS.manager));
      return out;
  }
}

const WAIT_LABEL = {
  gate_wait: 'approval',
  answer_wait: 'answers',
  budget_wait: 'budget',
} as const;

function runColor(seg: Segment): string {
  switch (seg.state) {
    case 'done':
      return COLORS.done;
    case 'failed':
    case 'rejected':
      return COLORS.failed;
    case 'running':
      return COLORS.running;
    default:
      return COLORS.cancelled;
  }
}

/** A small arrow after a bar that is still going. */
function openEnd(xEnd: number, mid: number, fill: string): string {
  const e = round(xEnd);
  return `<path d="M${e + 2} ${mid - 6} L${e + 9} ${mid} L${e + 2} ${mid + 6} Z" fill="${fill}"/>`;
}

/** Lines joining the critical path: from where a stage ended to where the next one on the path began. */
function pathLinks(lanes: TimelineLane[], laneY: (i: number) => number, x: (t: number) => number): string[] {
  const out: string[] = [];
  const onPath = lanes
    .map((lane, i) => ({ lane, i }))
    .filter(({ lane }) => lane.onCriticalPath)
    .map(({ lane, i }) => {
      const runs = lane.segments.filter((s) => s.kind === 'run' && !s.retried);
      const first = lane.segments.reduce((m, s) => Math.min(m, s.fromMs), Number.POSITIVE_INFINITY);
      const end = runs.reduce((m, s) => Math.max(m, s.toMs), Number.NEGATIVE_INFINITY);
      return { mid: laneY(i) + LANE_H / 2, first, end };
    })
    .filter((p) => Number.isFinite(p.first) && Number.isFinite(p.end));
  for (let k = 1; k < onPath.length; k++) {
    const a = onPath[k - 1];
    const b = onPath[k];
    if (!a || !b) continue;
    const ax = round(x(a.end));
    const bx = round(Math.max(x(b.first), ax));
    out.push(
      `<path d="M${ax} ${a.mid + BAR_H / 2} L${ax} ${b.mid - BAR_H / 2 - 2} L${bx} ${b.mid - BAR_H / 2 - 2}" fill="none" stroke="${COLORS.path}" stroke-width="1.5" stroke-dasharray="3 2"/>`,
    );
  }
  return out;
}

function legend(top: number, t: RunTimeline): string[] {
  const items: Array<{ swatch: string; label: string }> = [
    { swatch: `fill="${COLORS.done}"`, label: 'ran' },
    { swatch: `fill="${COLORS.failed}"`, label: 'failed' },
    { swatch: `fill="${COLORS.cancelled}"`, label: 'earlier try (retried)' },
    { swatch: `fill="${COLORS.wait}"`, label: 'waiting for a person' },
    { swatch: `fill="${COLORS.manager}"`, label: 'project manager' },
    { swatch: `fill="#ffffff" stroke="${COLORS.path}" stroke-width="2.5"`, label: 'critical path' },
  ];
  const out: string[] = [];
  let lx = LABEL_X;
  for (const item of items) {
    out.push(`<rect x="${lx}" y="${top}" width="14" height="12" rx="2" ${item.swatch}/>`);
    if (item.label.startsWith('earlier'))
      out.push(`<rect x="${lx}" y="${top}" width="14" height="12" rx="2" fill="url(#hatch-retry)"/>`);
    if (item.label.startsWith('waiting'))
      out.push(`<rect x="${lx}" y="${top}" width="14" height="12" rx="2" fill="url(#hatch-wait)"/>`);
    out.push(text(lx + 20, top + 10, item.label, { size: 11, fill: COLORS.muted }));
    lx += 20 + Math.round(item.label.length * 6.2) + 22;
  }
  const path = t.criticalPath.length > 0 ? t.criticalPath.join(' → ') : 'none yet';
  out.push(
    text(LABEL_X, top + 34, clip(`Critical path: ${path}`, 150), {
      size: 11,
      fill: COLORS.path,
      weight: 600,
    }),
  );
  return out;
}

function hatch(id: string, stroke: string, opacity: number): string {
  return `<pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${stroke}" stroke-width="2.5" stroke-opacity="${opacity}"/></pattern>`;
}

function barText(x0: number, w: number, mid: number, label: string, fill: string): string {
  return text(round(x0 + w / 2), mid + 4, label, { size: 10, fill, anchor: 'middle', weight: 600 });
}

interface TextStyle {
  size: number;
  weight?: number;
  fill?: string;
  anchor?: 'start' | 'middle' | 'end';
}

function text(tx: number, ty: number, content: string, style: TextStyle): string {
  const attrs = [
    `x="${tx}"`,
    `y="${ty}"`,
    `font-size="${style.size}"`,
    ...(style.weight ? [`font-weight="${style.weight}"`] : []),
    `fill="${style.fill ?? COLORS.ink}"`,
    ...(style.anchor && style.anchor !== 'start' ? [`text-anchor="${style.anchor}"`] : []),
  ];
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

/** XML-escaped, without the control characters XML 1.0 cannot hold. */
export function escapeXml(raw: string): string {
  return (
    raw
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

const STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
].map((s) => s * 1000);

/** Round offsets from the start, at most about seven of them. */
export function ticks(spanMs: number): number[] {
  const step = STEPS_MS.find((s) => spanMs / s <= 7) ?? spanMs;
  const out: number[] = [];
  for (let t = 0; t <= spanMs; t += step) out.push(t);
  return out;
}

function tickLabel(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s === 0) return '0';
  if (s < 60) return `${s}s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 172800)
    return s % 3600 === 0 ? `${s / 3600}h` : `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
  return `${Math.round(s / 86400)}d`;
}
