import type { AgentJob, AgentJobKind } from '../../domain/jobs.js';
import { clarifyJob } from './clarify.js';
import type { AgentJobEntry } from './entry.js';
import { planJob } from './plan.js';
import { stageJob } from './stage.js';
import { summaryJob } from './summary.js';

/** Every kind of model work and its entry: a new kind of job does not compile until it has one here. */
export const AGENT_JOBS: { readonly [K in AgentJobKind]: AgentJobEntry<K> } = {
  clarify: clarifyJob,
  plan: planJob,
  stage: stageJob,
  summary: summaryJob,
};

/** The entry of a kind, typed so that it takes jobs of that kind. */
export function agentJobEntry<K extends AgentJobKind>(kind: K): AgentJobEntry<K> {
  return AGENT_JOBS[kind];
}

/** The id of the event that reports a job's result (see `AgentJobEntry.doneEventId`). */
export function doneEventId(job: AgentJob): string {
  return agentJobEntry(job.kind).doneEventId(job);
}

/** The id of the event that reports a job's final failure; like `doneEventId`, one per round or attempt. */
export function failedEventId(job: AgentJob): string {
  return agentJobEntry(job.kind).failedEventId(job);
}
