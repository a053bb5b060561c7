import type { Requirements } from '../../../../domain/requirements.js';
import type { Rng } from '../seed.js';
import type { ProblemKind } from '../signals.js';

/** The parts of one role's deliverable, before they are laid out as Markdown. */
export interface RoleDraft {
  /** One sentence for the thread. */
  headline: string;
  sections: Array<{ heading: string; lines: string[] }>;
  table: { heading: string; columns: readonly string[]; rows: string[][] };
  code: { heading: string; language: string; body: string };
  risks: string[];
  /** What the next stages need from this one. */
  handover: string[];
  insight: { area: string; text: string; tags: string[] };
}

export interface DraftInput {
  requirements: Requirements;
  problem: ProblemKind;
  rng: Rng;
  /** A short project slug for names (tables, services, packages). */
  slug: string;
}

export const pct = (rng: Rng, min: number, max: number) => `${rng.int(min, max)}%`;

/** A constraint as a target to name in a sentence: "not stated; assumed p99 under 200 ms" → "p99 under 200 ms". */
export function target(constraint: string): string {
  return constraint.replace(/^not stated;\s*(?:assumed\s*)?/i, '');
}
