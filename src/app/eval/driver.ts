import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { GATE_ACTIONS } from '../../bot/views/gate.js';
import { projectIdFor } from '../../domain/ids.js';
import { isActive, type RunPhase } from '../../domain/phases.js';
import type { Project } from '../../domain/project.js';
import type { ProjectStore } from '../../memory/project-store.js';
import type { EvalRequest } from './requests.js';
import type { RequestOutcome } from './results.js';

/**
 * Drives one request through the running playground as people would: the requester mentions the bot in
 * the channel, answers the clarifying questions with `go`, and an approver clicks Approve on every gate.
 * Messages and clicks go through the playground's own routes, which store them as Slack does and post
 * them to the Bolt app signed. What the run is waiting for is read from its project record in Redis; the
 * gate's button is read from the thread in the Slack stand-in, as a person would see it.
 */

export interface DriveTarget {
  /** The playground's base URL (its /playground routes and the app share it). */
  appUrl: string;
  slackApiUrl: string;
  botToken: string;
  teamId: string;
  channelId: string;
  requesterId: string;
  approverId: string;
  projects: ProjectStore;
}

export interface DriveOptions {
  timeoutMs: number;
  /** How often the project record is read; short, since a read is one Redis GET. */
  pollMs?: number;
  /** Aborted when the eval is interrupted: the run is cancelled and recorded as not finished. */
  signal?: AbortSignal;
}

export interface Driven {
  outcome: RequestOutcome;
  phase: RunPhase | null;
  problem: string | null;
  projectId: string | null;
  project: Project | undefined;
  goAnswers: number;
  approvals: number;
  durationMs: number;
}

const GATE_APPROVE_ACTION = GATE_ACTIONS.approve;

/** The playground refused what the eval did as a person (a post, a click): the request gets an error row. */
export class EvalDriveError extends Error {
  readonly code = 'eval_drive_failed' as const;
  constructor(message: string) {
    super(message);
    this.name = 'EvalDriveError';
  }
}

const sayAnswer = z.object({ ok: z.boolean(), ts: z.string().optional(), error: z.string().optional() });

async function postJson(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok) throw new EvalDriveError(`${url}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** Posts what a person typed, as that person, in the channel (or in a thread); returns the message ts. */
export async function say(t: DriveTarget, user: string, text: string, threadTs?: string): Promise<string> {
  const answer = sayAnswer.parse(
    await postJson(`${t.appUrl}/playground/say`, {
      user,
      channel: t.channelId,
      text,
      ...(threadTs ? { threadTs } : {}),
    }),
  );
  if (!answer.ok || !answer.ts)
    throw new EvalDriveError(`posting "${text.slice(0, 40)}" failed: ${answer.error}`);
  return answer.ts;
}

const threadAnswer = z.object({
  ok: z.boolean(),
  messages: z
    .array(z.object({ ts: z.string(), blocks: z.array(z.record(z.string(), z.unknown())).optional() }))
    .optional(),
});
const actionsBlock = z.object({
  type: z.literal('actions'),
  block_id: z.string(),
  elements: z.array(z.object({ action_id: z.string().optional(), value: z.string().optional() }).loose()),
});

/** The newest message in the thread with the stage's Approve button on it, if it has been posted yet. */
export async function findGateButton(
  t: DriveTarget,
  threadTs: string,
  stageId: string,
): Promise<{ messageTs: string; blockId: string; value: string } | undefined> {
  const res = await fetch(`${t.slackApiUrl}conversations.replies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ channel: t.channelId, ts: threadTs, limit: '1000' }),
  });
  const answer = threadAnswer.parse(await res.json());
  for (const message of [...(answer.messages ?? [])].reverse()) {
    for (const raw of message.blocks ?? []) {
      const block = actionsBlock.safeParse(raw);
      if (!block.success || block.data.block_id !== `gate.${stageId}`.slice(0, 255)) continue;
      const approve = block.data.elements.find((e) => e.action_id === GATE_APPROVE_ACTION);
      if (approve?.value)
        return { messageTs: message.ts, blockId: block.data.block_id, value: approve.value };
    }
  }
  return undefined;
}

/** Whether the run is waiting for the requester's answers to its questions. */
function waitsForAnswers(p: Project): boolean {
  const c = p.clarification;
  return p.phase === 'clarifying' && !c.inFlight && !c.goRequested && (c.last?.questions.length ?? 0) > 0;
}

export async function driveRequest(
  t: DriveTarget,
  request: EvalRequest,
  opts: DriveOptions,
): Promise<Driven> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 100;
  let goAnswers = 0;
  let approvals = 0;
  let projectId: string | null = null;
  let project: Project | undefined;
  const answeredRounds = new Set<number>();
  const clickedGates = new Set<string>();
  const result = (outcome: RequestOutcome, problem: string | null): Driven => ({
    outcome,
    phase: project?.phase ?? null,
    problem,
    projectId,
    project,
    goAnswers,
    approvals,
    durationMs: Date.now() - started,
  });
  let threadTs: string | undefined;
  try {
    threadTs = await say(t, t.requesterId, `@pipewright ${request.text}`);
    projectId = projectIdFor(t.teamId, t.channelId, threadTs);
    while (Date.now() < deadline && !opts.signal?.aborted) {
      project = await t.projects.get(projectId);
      if (project) {
        if (!isActive(project.phase)) {
          return project.phase === 'completed'
            ? result('finished', null)
            : result(
                'ended',
                `the run ${project.phase}${project.stopReason ? `: ${project.stopReason}` : ''}`,
              );
        }
        if (project.budgetHold) {
          const h = project.budgetHold;
          const why = `the run was held at its ${h.scope} budget ($${h.spentUsd.toFixed(2)} of $${h.limitUsd.toFixed(2)}); raise PROJECT_BUDGET_USD or WORKSPACE_DAILY_BUDGET_USD`;
          project = (await cancelRun(t, projectId, threadTs)) ?? project;
          return result('error', `${why}; the eval cancelled it`);
        }
        const round = project.clarification.round;
        if (waitsForAnswers(project) && !answeredRounds.has(round)) {
          answeredRounds.add(round);
          await say(t, t.requesterId, 'go', threadTs);
          goAnswers += 1;
        }
        for (const [stageId, run] of Object.entries(project.stages)) {
          const key = `${stageId}#${run.attempt}#${run.gateRound ?? 0}`;
          if (run.state !== 'awaiting_approval' || clickedGates.has(key)) continue;
          const button = await findGateButton(t, threadTs, stageId);
          if (!button) continue; // its message is still in the outbox: next poll
          clickedGates.add(key);
          await postJson(`${t.appUrl}/playground/click`, {
            user: t.approverId,
            channel: t.channelId,
            messageTs: button.messageTs,
            threadTs,
            actionId: GATE_APPROVE_ACTION,
            blockId: button.blockId,
            value: button.value,
            label: 'Approve',
          });
          approvals += 1;
        }
      }
      await sleep(pollMs);
    }
    project = (await t.projects.get(projectId)) ?? project; // where it stands now, not at the last poll
    const interrupted = opts.signal?.aborted === true;
    const where = interrupted
      ? `interrupted while ${project?.phase ?? 'not started'}${waitingFor(project)}`
      : `still ${project?.phase ?? 'not started'} after ${seconds(opts.timeoutMs)} s${waitingFor(project)}`;
    // Cancelled, so it neither spends more nor competes with the next request.
    project = (await cancelRun(t, projectId, threadTs)) ?? project;
    return result(interrupted ? 'error' : 'timed_out', `${where}; the eval cancelled it`);
  } catch (err) {
    const why = `the eval could not drive the run: ${err instanceof Error ? err.message : String(err)}`;
    if (projectId && threadTs) project = (await cancelRun(t, projectId, threadTs)) ?? project;
    return result('error', why);
  }
}

/** How long a cancelled run is given to stop (its in-flight model calls are aborted). */
const CANCEL_WAIT_MS = 15_000;

/** `cancel` in the thread, as the requester; the project as it stands once it stopped (or the wait ran out). */
async function cancelRun(t: DriveTarget, projectId: string, threadTs: string): Promise<Project | undefined> {
  const posted = await say(t, t.requesterId, 'cancel', threadTs).then(
    () => true,
    () => false,
  );
  let project = await t.projects.get(projectId);
  const deadline = Date.now() + CANCEL_WAIT_MS;
  while (posted && project && isActive(project.phase) && Date.now() < deadline) {
    await sleep(100);
    project = await t.projects.get(projectId);
  }
  return project;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

/** What an unfinished run was doing, for the failure row. */
function waitingFor(project: Project | undefined): string {
  if (!project) return ' (no project record: the mention was not taken up)';
  const open = Object.entries(project.stages)
    .filter(([, run]) => ['queued', 'running', 'awaiting_approval'].includes(run.state))
    .map(([id, run]) => `${id} ${run.state}`);
  return open.length > 0 ? ` (${open.join(', ')})` : '';
}
