import { createHash } from 'node:crypto';
import type { Impact } from './schemas.js';

/** Normalisation, deduplication ids, ranking and retention value of insights: pure functions. */

/** Canonical form of a tag or project term: lower case, letters, digits, `+` and `#` only ("Real-Time" → "realtime"). */
export function normalizeTerm(term: string): string {
  return term
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}+#]/gu, '');
}

function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/[^\p{L}\p{N}+#]+/u)
    .filter((w) => w.length > 0);
}

/** Text as used for deduplication: lower case, punctuation and repeated spaces gone. */
export function normalizeInsightText(text: string): string {
  return words(text).join(' ');
}

/** Insights of one role with the same normalised text share this id, so they are stored once. */
export function insightId(text: string): string {
  return createHash('sha256').update(normalizeInsightText(text)).digest('hex').slice(0, 24);
}

export const IMPACT_WEIGHT: Readonly<Record<Impact, number>> = { low: 1, medium: 2, high: 3 };

/** Knobs of `scoreInsight`, exported so the documentation and the tests name the same numbers. */
export const RANKING = {
  /** Relevance points for a project term found among the insight's tags. */
  tagWeight: 3,
  /** Relevance points for a project term found only in the insight's text or area (as a word or phrase). */
  wordWeight: 1,
  /** Each relevance point is worth this much; `value` stays below it, so relevance always decides first. */
  relevanceUnit: 100,
  /** Half-life of the recency factor, in days. */
  recencyHalfLifeDays: 30,
  /** Extra value per additional project that reported the insight, up to `maxCorroboration` projects. */
  corroborationStep: 0.25,
  maxCorroboration: 4,
} as const;

export interface ScorableInsight {
  insight: string;
  area: string;
  tags: readonly string[];
  impact: Impact;
  confidence: number;
  lastAt: number;
  projects: number;
}

export interface InsightScore {
  score: number;
  relevance: number;
  value: number;
  matchedTags: string[];
  matchedWords: string[];
}

/**
 * How relevant an insight is to a project, and how valuable it is; insights are shown highest score first.
 *
 *   relevance = Σ over distinct project terms t (normalised with `normalizeTerm`):
 *                 3 if t is one of the insight's tags,
 *                 else 1 if t is a word of its text or area (or 2–3 adjacent words joined: "real-time" = realtime),
 *                 else 0
 *   value     = 10 × impactWeight (low 1, medium 2, high 3)
 *                  × (0.5 + 0.5 × confidence)                   confidence clamped to 0–1
 *                  × (0.5 + 0.5 × 2^(−ageDays / 30))              age = now − lastAt, never negative
 *                  × (1 + 0.25 × (min(projects, 4) − 1))          corroboration by other projects
 *               ∈ [2.5, 52.5]
 *   score     = 100 × relevance + value
 *
 * So any relevant insight outranks any irrelevant one, more matches outrank fewer (a tag match counts three
 * words), and among equally relevant ones impact weighs most, then confidence and recency. With no project
 * terms, the order is by value alone.
 */
export function scoreInsight(
  insight: ScorableInsight,
  projectTerms: readonly string[],
  now: number,
): InsightScore {
  const tags = new Set(insight.tags.map(normalizeTerm));
  const grams = new Set<string>();
  const ws = words(`${insight.area} ${insight.insight}`);
  for (let i = 0; i < ws.length; i++) {
    grams.add(ws[i] as string);
    if (i + 1 < ws.length) grams.add(`${ws[i]}${ws[i + 1]}`);
    if (i + 2 < ws.length) grams.add(`${ws[i]}${ws[i + 1]}${ws[i + 2]}`);
  }
  const matchedTags: string[] = [];
  const matchedWords: string[] = [];
  for (const term of new Set(projectTerms.map(normalizeTerm))) {
    if (term === '') continue;
    if (tags.has(term)) matchedTags.push(term);
    else if (grams.has(term)) matchedWords.push(term);
  }
  const relevance = RANKING.tagWeight * matchedTags.length + RANKING.wordWeight * matchedWords.length;
  const confidence = Math.min(1, Math.max(0, Number.isFinite(insight.confidence) ? insight.confidence : 0));
  const ageDays = Math.max(0, now - insight.lastAt) / 86_400_000;
  const recency = 0.5 + 0.5 * 2 ** (-ageDays / RANKING.recencyHalfLifeDays);
  const projects = Math.min(Math.max(1, insight.projects), RANKING.maxCorroboration);
  const value =
    10 *
    IMPACT_WEIGHT[insight.impact] *
    (0.5 + 0.5 * confidence) *
    recency *
    (1 + RANKING.corroborationStep * (projects - 1));
  return { score: RANKING.relevanceUnit * relevance + value, relevance, value, matchedTags, matchedWords };
}

/** Sorts by `scoreInsight`, best first; ties go to the more recent, then by id (stable across calls). */
export function rankInsights<T extends ScorableInsight & { id: string }>(
  insights: readonly T[],
  projectTerms: readonly string[],
  now: number,
): Array<T & InsightScore> {
  return insights
    .map((i) => ({ ...i, ...scoreInsight(i, projectTerms, now) }))
    .sort((a, b) => b.score - a.score || b.lastAt - a.lastAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The retention value a cap compares (lowest dropped first, older first among equals); mirrors the Lua
 * `retention` in the scripts: round(100 × impactWeight × confidence × min(projects, 4)).
 */
export function retentionValue(insight: Pick<ScorableInsight, 'impact' | 'confidence' | 'projects'>): number {
  const projects = Math.min(Math.max(1, insight.projects), RANKING.maxCorroboration);
  return Math.floor(IMPACT_WEIGHT[insight.impact] * insight.confidence * projects * 100 + 0.5);
}
