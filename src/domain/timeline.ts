import { isActive } from './phases.js';
import type { Decision, Project, StageState } from './project.js';
import { totalTokens } from './usage.js';

/**
 * The run as time: what each stage did when, where it waited for a person, which tries were retries, and
 * which chain of stages set the finish time (the critical path). Pure: the run picture draws it.
 */

export type SegmentKind =
  /** An attempt that ran: the current one, or an earlier one that a retry replaced. */
  | 'run'
  /** Handed to the agents, not started yet. */
  | 'queued'
  /** Waiting for an approver at the stage's gate. */
  | 'gate_wait'
  /** Waiting for the requester to answer the project manager's questions. */
  | 'answer_wait'
  /** Paused before a model call that could pass a budget, waiting for Raise budget or Stop. */
  | 'budget_wait'
  /** The project manager's own work (questions, plan). */
  | 'manager';

export interface Segment {
  kind: SegmentKind;
  fromMs: number;
  toMs: number;
  /** Still going at the picture's `now`. */
  open: boolean;
  /** Which attempt of the stage (run and gate segments). */
  attempt?: number;
  /** How the attempt ended (run segments). */
  state?: StageState;
  /** An earlier attempt that a later one replaced. */
  retried?: boolean;
}

export interface TimelineLane {
  /** The stage id, or `manager` for the project manager's lane. */
  id: string;
  label: string;
  role: string;
  state: StageState | 'manager';
  segments: Segment[];
  costUsd: number;
  tokens: number;
  /** The current attempt's number: above 1 means it was retried. */
  attempt: number;
  /** Tries the model job took within the current attempt (1 = first try). */
  jobAttempts: number;
  onCriticalPath: boolean;
}

export interface RunTimeline {
  title: string;
  phase: Project['phase'];
  startMs: number;
  endMs: number;
  lanes: TimelineLane[];
  /** Stage ids, first to last. */
  criticalPath: string[];
  totalUsd: number;
  /** Time spent waiting for people, every wait counted once per lane. */
  waitMs: number;
}

export const MANAGER_LANE = 'manager';

/**
 * The chain of stages that set the finish: from the stage that ended last, back through the input (of
 * those it `reads`) that ended last, to a stage that read nothing that ran. Stages without an end are not
 * on it. Ties go to the earlier stage in plan order, so the answer is deterministic.
 */
export function criticalPath(
  stages: ReadonlyArray<{ id: string; reads: readonly string[]; endMs?: number }>,
): string[] {
  const byId = new Map(stages.map((s) => [s.id, s]));
  const latest = (ids: readonly string[]) => {
    let best: { id: string; reads: readonly string[]; endMs?: number } | undefined;
    for (const id of ids) {
      const s = byId.get(id);
      if (s?.endMs === undefined) continue;
      if (!best || s.endMs > (best.endMs ?? 0)) best = s;
    }
    return best;
  };
  const path: string[] = [];
  const seen = new Set<string>();
  let at = latest(stages.map((s) => s.id));
  while (at && !seen.has(at.id)) {
    seen.add(at.id);
    path.unshift(at.id);
    at = latest(at.reads);
  }
  return path;
}

/** "42s", "3m 10s", "2h 05m", "3d 4h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function buildTimeline(project: Project, now: number): RunTimeline {
  const stages = project.plan?.stages ?? [];
  const ongoing = isActive(project.phase);
  // A finished run's open ends (none, normally) stop where the record last changed, not at the reader's now.
  const endOf = (ms: number | undefined) => ms ?? (ongoing ? now : project.updatedAt);
  const lanes: TimelineLane[] = [];

  const manager = managerLane(project, endOf);
  if (manager.segments.length > 0) lanes.push(manager);

  for (const stage of stages) {
    const run = project.stages[stage.id];
    const segments: Segment[] = [];
    for (const earlier of run?.earlierAttempts ?? []) {
      if (earlier.gateOpenedAt !== undefined) {
        segments.push(
          span(
            'gate_wait',
            earlier.gateOpenedAt,
            endOf(earlier.gateDecidedAt ?? earlier.finishedAt),
            false,
            earlier.attempt,
          ),
        );
      }
      if (earlier.startedAt !== undefined) {
        segments.push({
          ...span('run', earlier.startedAt, endOf(earlier.finishedAt), false, earlier.attempt),
          state: earlier.state,
          retried: true,
        });
      }
    }
    if (run) {
      if (run.gateOpenedAt !== undefined) {
        const decided = run.decision?.at ?? (run.state === 'awaiting_approval' ? undefined : run.finishedAt);
        segments.push(
          span('gate_wait', run.gateOpenedAt, endOf(decided), decided === undefined && ongoing, run.attempt),
        );
      }
      if (run.state === 'queued' && run.queuedAt !== undefined) {
        segments.push(span('queued', run.queuedAt, endOf(undefined), ongoing, run.attempt));
      } else if (run.startedAt !== undefined && run.state !== 'pending' && run.state !== 'queued') {
        const open = run.state === 'running';
        segments.push({
          ...span(
            'run',
            run.startedAt,
            endOf(open ? undefined : run.finishedAt),
            open && ongoing,
            run.attempt,
          ),
          state: run.state,
        });
      }
    }
    lanes.push({
      id: stage.id,
      label: stage.id,
      role: stage.role,
      state: run?.state ?? 'pending',
      segments: segments.filter((seg) => seg.toMs >= seg.fromMs),
      costUsd: run?.spentUsd ?? 0,
      tokens: run?.usage ? totalTokens(run.usage) : 0,
      attempt: run?.attempt ?? 1,
      jobAttempts: run?.jobAttempts ?? 0,
      onCriticalPath: false,
    });
  }

  const path = criticalPath(
    stages.map((st) => {
      const lane = lanes.find((l) => l.id === st.id);
      const ends = (lane?.segments ?? []).filter((seg) => seg.kind === 'run').map((seg) => seg.toMs);
      return { id: st.id, reads: st.reads, ...(ends.length > 0 ? { endMs: Math.max(...ends) } : {}) };
    }),
  );
  const onPath = new Set(path);
  for (const lane of lanes) lane.onCriticalPath = onPath.has(lane.id);

  const all = lanes.flatMap((l) => l.segments);
  const startMs = Math.min(project.createdAt, ...all.map((seg) => seg.fromMs));
  const endMs = Math.max(startMs + 1000, ...all.map((seg) => seg.toMs));
  const stageUsd = lanes.filter((l) => l.id !== MANAGER_LANE).reduce((sum, l) => sum + l.costUsd, 0);
  manager.costUsd = Math.max(0, project.usage.costUsd - stageUsd);
  return {
    title: project.requirements?.objective ?? project.request,
    phase: project.phase,
    startMs,
    endMs,
    lanes,
    criticalPath: path,
    totalUsd: project.usage.costUsd,
    waitMs: all
      .filter((seg) => seg.kind === 'gate_wait' || seg.kind === 'answer_wait' || seg.kind === 'budget_wait')
      .reduce((sum, seg) => sum + (seg.toMs - seg.fromMs), 0),
  };
}

function span(kind: SegmentKind, fromMs: number, toMs: number, open: boolean, attempt?: number): Segment {
  return { kind, fromMs, toMs, open, ...(attempt !== undefined ? { attempt } : {}) };
}

/**
 * The project manager's lane: its own work from the request to the plan, the waits for the requester's
 * answers in between, and every budget hold until someone decided it.
 */
function managerLane(project: Project, endOf: (ms: number | undefined) => number): TimelineLane {
  const segments: Segment[] = [];
  const decisions = project.decisions;
  const planAt = lastAt(decisions, (d) => d.kind === 'plan' || d.kind === 'plan_fallback');
  const clarifyEnd =
    planAt ??
    (project.phase === 'clarifying' || project.phase === 'planning' ? undefined : project.updatedAt);
  const transcript = project.clarification.transcript;
  const defaultsAt = decisions.find((d) => d.kind === 'defaults')?.at;
  const waits: Array<{ from: number; to: number | undefined }> = [];
  transcript.forEach((entry, i) => {
    if (entry.from !== 'project-manager') return;
    const answer = transcript.slice(i + 1).find((e) => e.from === 'requester')?.at;
    const to = answer ?? (defaultsAt !== undefined && defaultsAt >= entry.at ? defaultsAt : clarifyEnd);
    waits.push({ from: entry.at, to });
  });
  // The manager works between the request and the plan, except while it waits for the requester.
  let cursor = project.createdAt;
  const workUntil = endOf(clarifyEnd);
  for (const w of waits) {
    if (w.from > cursor) segments.push(span('manager', cursor, Math.min(w.from, workUntil), false));
    const to = endOf(w.to);
    segments.push(span('answer_wait', w.from, to, w.to === undefined, undefined));
    cursor = Math.max(cursor, to);
  }
  if (workUntil > cursor) segments.push(span('manager', cursor, workUntil, clarifyEnd === undefined));
  decisions.forEach((d, i) => {
    if (d.kind !== 'budget_hold') return;
    const decided = decisions
      .slice(i + 1)
      .find((e) => e.kind === 'budget_raised' || e.kind === 'budget_stop' || e.kind === 'cancel')?.at;
    segments.push(
      span('budget_wait', d.at, endOf(decided), decided === undefined && project.budgetHold !== undefined),
    );
  });
  return {
    id: MANAGER_LANE,
    label: 'project manager',
    role: 'questions, plan, summary',
    state: 'manager',
    segments: segments.filter((seg) => seg.toMs > seg.fromMs || seg.open),
    costUsd: 0,
    tokens: 0,
    attempt: 1,
    jobAttempts: 0,
    onCriticalPath: false,
  };
}

function lastAt(decisions: readonly Decision[], match: (d: Decision) => boolean): number | undefined {
  let at: number | undefined;
  for (const d of decisions) if (match(d)) at = d.at;
  return at;
}
