import { describe, expect, it } from 'vitest';
import {
  estimateTokens,
  fitToBudget,
  insightId,
  normalizeInsightText,
  normalizeTerm,
  RANKING,
  rankInsights,
  retentionValue,
  type ScorableInsight,
  scoreInsight,
} from '../../src/memory/agent-memory/index.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

const insight = (over: Partial<ScorableInsight> = {}): ScorableInsight => ({
  insight: 'Pin library versions in the training image',
  area: 'packaging',
  tags: [],
  impact: 'medium',
  confidence: 0.5,
  lastAt: NOW,
  projects: 1,
  ...over,
});

describe('scoreInsight: score = 100 × relevance + value', () => {
  it('relevance: 3 per project term among the tags, 1 per term found only in the text or area', () => {
    const s = scoreInsight(
      insight({ insight: 'KServe canaries need a warm-up for churn models', tags: ['KServe', 'aws'] }),
      ['kserve', 'AWS', 'churn', 'mlflow'],
      NOW,
    );
    expect(s.matchedTags).toEqual(['kserve', 'aws']);
    expect(s.matchedWords).toEqual(['churn']);
    expect(s.relevance).toBe(3 + 3 + 1);
    expect(s.score).toBeCloseTo(100 * 7 + s.value, 10);
  });

  it('words match as phrases too: "real-time" and "Real Time" both match the term realtime', () => {
    expect(normalizeTerm('Real-Time')).toBe('realtime');
    const hyphen = scoreInsight(
      insight({ insight: 'Real-time scoring needs a feature cache' }),
      ['realtime'],
      NOW,
    );
    const spaced = scoreInsight(
      insight({ insight: 'Use a feature store for real time scoring' }),
      ['realtime'],
      NOW,
    );
    const phrase = scoreInsight(insight({ insight: 'Use a feature store' }), ['feature store'], NOW);
    expect([hyphen.relevance, spaced.relevance, phrase.relevance]).toEqual([1, 1, 1]);
    expect(scoreInsight(insight({ insight: 'Realtimeish' }), ['realtime'], NOW).relevance).toBe(0);
  });

  it('value = 10 × impact(1,2,3) × (0.5 + 0.5 × confidence) × (0.5 + 0.5 × 2^(−age/30 d)) × corroboration', () => {
    expect(scoreInsight(insight({ impact: 'high', confidence: 1 }), [], NOW).value).toBeCloseTo(30, 10);
    expect(scoreInsight(insight({ impact: 'low', confidence: 0 }), [], NOW).value).toBeCloseTo(5, 10);
    // 30 days old: recency factor 0.75.
    expect(
      scoreInsight(insight({ impact: 'medium', confidence: 1, lastAt: NOW - 30 * DAY }), [], NOW).value,
    ).toBeCloseTo(15, 10);
    // Corroborated by 3 projects: × 1.5; by 9, capped at 4 projects: × 1.75.
    expect(scoreInsight(insight({ impact: 'low', confidence: 1, projects: 3 }), [], NOW).value).toBeCloseTo(
      15,
      10,
    );
    expect(scoreInsight(insight({ impact: 'high', confidence: 1, projects: 9 }), [], NOW).value).toBeCloseTo(
      52.5,
      10,
    );
    // Confidence outside 0–1 is clamped; a future lastAt counts as now.
    expect(scoreInsight(insight({ confidence: 7, lastAt: NOW + DAY }), [], NOW).value).toBeCloseTo(20, 10);
  });

  it('relevance beats value: one word match (+100) on an old, low, unsure insight beats the best irrelevant one (≤ 52.5)', () => {
    const relevant = {
      ...insight({ impact: 'low', confidence: 0, lastAt: NOW - 3650 * DAY, insight: 'kserve' }),
      id: 'a',
    };
    const best = { ...insight({ impact: 'high', confidence: 1, projects: 4, tags: ['python'] }), id: 'b' };
    const ranked = rankInsights([best, relevant], ['kserve'], NOW);
    expect(ranked.map((r) => r.id)).toEqual(['a', 'b']);
    expect(ranked[0]?.score).toBeGreaterThan(100);
    expect(ranked[1]?.score).toBeLessThanOrEqual(52.5);
  });

  it('more relevance beats less: one tag match (3) beats two word matches (2)', () => {
    const tag = { ...insight({ tags: ['mlflow'], impact: 'low' }), id: 'tag' };
    const words = { ...insight({ insight: 'mlflow on aws', impact: 'high', confidence: 1 }), id: 'words' };
    expect(rankInsights([words, tag], ['mlflow', 'aws'], NOW).map((r) => r.id)).toEqual(['tag', 'words']);
  });

  it('at equal relevance, value decides: impact (×1–3), then confidence (×0.5–1) and recency (×0.5–1), blended', () => {
    const rank = (items: Array<ScorableInsight & { id: string }>) =>
      rankInsights(items, [], NOW).map((r) => r.id);
    // Each factor alone orders as expected.
    expect(
      rank([
        { ...insight({ impact: 'medium' }), id: 'm' },
        { ...insight({ impact: 'high' }), id: 'h' },
      ]),
    ).toEqual(['h', 'm']);
    expect(
      rank([
        { ...insight({ confidence: 0.2 }), id: 'c2' },
        { ...insight({ confidence: 0.9 }), id: 'c9' },
      ]),
    ).toEqual(['c9', 'c2']);
    expect(
      rank([
        { ...insight({ lastAt: NOW - 60 * DAY }), id: 'old' },
        { ...insight({ lastAt: NOW - DAY }), id: 'new' },
      ]),
    ).toEqual(['new', 'old']);
    // Blended: a much older, unsure high-impact insight can fall below a fresh, sure medium one.
    const items = [
      { ...insight({ impact: 'medium', confidence: 1, lastAt: NOW }), id: 'medium-sure-new' },
      { ...insight({ impact: 'high', confidence: 0.5, lastAt: NOW - 60 * DAY }), id: 'high-unsure-old' },
      { ...insight({ impact: 'medium', confidence: 0.6, lastAt: NOW }), id: 'medium-unsure-new' },
      { ...insight({ impact: 'medium', confidence: 0.6, lastAt: NOW - 90 * DAY }), id: 'medium-unsure-old' },
    ];
    const scores = rankInsights(items, [], NOW).map((r) => [r.id, Number(r.value.toFixed(4))]);
    expect(scores).toEqual([
      ['medium-sure-new', 20], // 10 × 2 × 1 × 1
      ['medium-unsure-new', 16], // 10 × 2 × 0.8 × 1
      ['high-unsure-old', 14.0625], // 10 × 3 × 0.75 × 0.625
      ['medium-unsure-old', 9], // 10 × 2 × 0.8 × 0.5625
    ]);
  });

  it('ties go to the more recent insight, then by id', () => {
    const a = { ...insight({ lastAt: NOW - DAY, impact: 'high', confidence: 1 }), id: 'b' };
    const b = { ...insight({ lastAt: NOW - DAY, impact: 'high', confidence: 1 }), id: 'a' };
    expect(rankInsights([a, b], [], NOW).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('documents its knobs', () => {
    expect(RANKING).toMatchObject({
      tagWeight: 3,
      wordWeight: 1,
      relevanceUnit: 100,
      recencyHalfLifeDays: 30,
    });
  });
});

describe('retentionValue (what a cap drops first)', () => {
  it('is round(100 × impact × confidence × min(projects, 4))', () => {
    expect(retentionValue({ impact: 'high', confidence: 0.9, projects: 1 })).toBe(270);
    expect(retentionValue({ impact: 'low', confidence: 0.5, projects: 2 })).toBe(100);
    expect(retentionValue({ impact: 'medium', confidence: 1, projects: 10 })).toBe(800);
  });
});

describe('insight dedup', () => {
  it('the same text with other case, punctuation and spacing has the same id', () => {
    expect(normalizeInsightText('  Use KServe,  with canary rollouts! ')).toBe(
      'use kserve with canary rollouts',
    );
    expect(insightId('Use KServe, with canary rollouts!')).toBe(
      insightId('use kserve with   canary rollouts'),
    );
    expect(insightId('Use KServe with blue-green')).not.toBe(insightId('Use KServe with canary rollouts'));
  });
});

describe('fitToBudget (~4 characters per token)', () => {
  const item = (chars: number, label: string) => ({ label, text: 'x'.repeat(chars) });
  const toText = (i: { text: string }) => i.text;

  it('estimates tokens as ceil(chars / 4)', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
  });

  it('keeps the highest-ranked items first and counts what it left out', () => {
    const items = [item(40, 'a'), item(40, 'b'), item(40, 'c'), item(40, 'd')];
    const fit = fitToBudget(items, 25, toText);
    expect(fit.kept.map((i) => i.label)).toEqual(['a', 'b']);
    expect(fit.omitted).toBe(2);
    expect(fit.tokens).toBe(20);
  });

  it('skips an item too big for what is left but still keeps smaller lower-ranked ones', () => {
    const items = [item(40, 'a'), item(400, 'huge'), item(20, 'c'), item(60, 'd')];
    const fit = fitToBudget(items, 20, toText);
    expect(fit.kept.map((i) => i.label)).toEqual(['a', 'c']);
    expect(fit.omitted).toBe(2);
    expect(fit.tokens).toBe(15);
  });

  it('keeps everything when it fits, nothing at a zero budget; measures JSON by default', () => {
    const items = [item(8, 'a'), item(8, 'b')];
    expect(fitToBudget(items, 1_000, toText)).toEqual({ kept: items, omitted: 0, tokens: 4 });
    expect(fitToBudget(items, 0, toText)).toEqual({ kept: [], omitted: 2, tokens: 0 });
    expect(fitToBudget(['abcdefgh'], 2).kept).toEqual(['abcdefgh']);
    expect(fitToBudget([{ a: 1 }], 2).tokens).toBe(estimateTokens('{"a":1}'));
  });
});
