import type { ClarifyOutput, Requirements } from '../../../domain/requirements.js';
import type { ModelPurpose } from '../provider.js';
import { type Rng, seededRng } from './seed.js';
import { PROBLEM_FACTS, type RequestSignals, readSignals, stackFrom } from './signals.js';

type ClarifyPurpose = Extract<ModelPurpose, { job: 'clarify' }>;

/** A requirement the request may leave open: asked about only when it does, assumed when never answered. */
interface Topic {
  missing(s: RequestSignals): boolean;
  questions(s: RequestSignals): readonly [string, ...string[]];
  assumption(s: RequestSignals): string;
}

/** In the order a project manager would ask them; at most five are asked in one round. */
const TOPICS: readonly Topic[] = [
  {
    missing: (s) => s.dataSources.length === 0,
    questions: (s) => [
      `Where does the data on ${PROBLEM_FACTS[s.problem].noun} live (database, warehouse, files), and how fresh is it?`,
      'Which system holds the data this model learns from, and can the pipeline read it directly?',
      'What is the source of truth for the training data, and who owns it?',
    ],
    assumption: () => 'Data: one warehouse table, refreshed daily, readable by a service account.',
  },
  {
    missing: (s) => s.metric === undefined || s.baseline === undefined,
    questions: (s) => [
      `How will we judge success? I would use ${PROBLEM_FACTS[s.problem].metric} against today's process: what does today's process score?`,
      `Is there a baseline to beat (rules, a heuristic, an older model), and its ${PROBLEM_FACTS[s.problem].metric}?`,
    ],
    assumption: (s) =>
      `Metric: ${s.metric ?? PROBLEM_FACTS[s.problem].metric}, against the current process measured in phase 1.`,
  },
  {
    missing: (s) => s.latency === undefined && stackFrom(s).deploymentMode !== 'batch' && !s.noServing,
    questions: () => [
      'How fast must a prediction come back (for example p99 under 100 ms), and at what request rate?',
      'What latency must the serving path meet, and how many requests a second at peak?',
    ],
    assumption: () => 'Latency: p99 under 200 ms at up to 50 requests a second.',
  },
  {
    missing: (s) => s.budget === undefined,
    questions: () => [
      'What may this cost to run each month (training and serving)?',
      'Is there a monthly budget for compute and serving I should plan within?',
    ],
    assumption: () => 'Budget: up to $1,000 a month for training and serving together.',
  },
  {
    missing: (s) => !s.fairness && s.compliance === undefined,
    questions: (s) => [
      `Does the data hold personal data, and must ${PROBLEM_FACTS[s.problem].noun} be checked for fairness across groups (age, region, gender)?`,
      'Which compliance rules apply (GDPR, HIPAA, none), and should we check the model for bias against protected groups?',
    ],
    assumption: () => 'Compliance: personal data minimised; fairness checked across age bands and regions.',
  },
  {
    missing: (s) => s.stack.deploymentMode === undefined && !s.noServing,
    questions: () => [
      'Should predictions be served live behind an API, or is a nightly batch enough?',
      'Real-time scoring, batch scoring, or streaming: which fits how the predictions are used?',
    ],
    assumption: () => 'Deployment: real-time scoring behind a REST API.',
  },
];

/** Everything the requester wrote: the request, then their answers. */
function requesterText(p: ClarifyPurpose): string {
  const answers = p.project.clarification.transcript.filter((t) => t.from === 'requester').map((t) => t.text);
  return [p.project.request, ...answers].join('\n');
}

function sentenceCase(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length === 0 ? t : `${t[0]?.toUpperCase()}${t.slice(1)}`;
}

/** The objective: the request's first sentence, as a plain statement. */
function objectiveOf(request: string): string {
  const first = /^[^.!?\n]{8,}[.!?]?/.exec(request.trim())?.[0] ?? request;
  return (
    sentenceCase(first.replace(/^(?:please|can you|could you|we need to|i want to|let's)\s+/i, '')).slice(
      0,
      300,
    ) || 'Unspecified machine-learning project'
  );
}

function latencyOf(s: RequestSignals): string {
  if (s.latency === undefined)
    return stackFrom(s).deploymentMode === 'batch' || s.noServing
      ? 'batch: scores ready before the business day starts'
      : 'not stated; assumed p99 under 200 ms';
  return /^(?:low[- ])?latency$/i.test(s.latency) ? 'low latency; target to be agreed in phase 3' : s.latency;
}

export function requirementsFrom(text: string, rng: Rng): Requirements {
  const s = readSignals(text);
  const facts = PROBLEM_FACTS[s.problem];
  const metric = s.metric ?? facts.metric;
  const baseline = s.baseline ?? 'the current process, measured in phase 1';
  const latency = latencyOf(s);
  const criteria = [
    `${metric} beats the baseline (${baseline}) by at least ${rng.pick(['5%', '3 points', '10%'])} on a held-out month`,
  ];
  if (s.latency !== undefined) criteria.push(`Serving meets the latency target: ${latency}`);
  if (s.budget !== undefined) criteria.push(`Running cost stays within ${s.budget}`);
  if (s.fairness)
    criteria.push('No protected group sees a false-positive rate more than 1.25× the overall rate');
  if (s.compliance !== undefined) criteria.push(`The pipeline passes a ${s.compliance} review before launch`);
  return {
    objective: objectiveOf(text),
    dataSources: s.dataSources.slice(0, 20).map((d) => d.slice(0, 500)),
    targetMetric: metric,
    baseline: baseline.slice(0, 300),
    constraints: {
      latency: latency.slice(0, 300),
      budget: (s.budget ?? 'not stated; assumed up to $1,000 a month').slice(0, 300),
      compliance: (
        [s.compliance, s.fairness ? 'fairness checks across protected groups' : undefined]
          .filter(Boolean)
          .join('; ') || 'not stated; personal data minimised'
      ).slice(0, 300),
    },
    stack: stackFrom(s),
    successCriteria: criteria.slice(0, 10),
  };
}

/**
 * One clarification round of the offline project manager. Round 1 asks about what the request leaves
 * open (nothing stated is asked again); once the requester has answered, or on the last round, it is
 * ready and states what it assumes for the rest.
 */
export function composeClarify(p: ClarifyPurpose): ClarifyOutput {
  const text = requesterText(p);
  const round = p.project.clarification.round;
  const rng = seededRng('clarify', p.project.id, p.project.request, round);
  const signals = readSignals(text);
  const open = TOPICS.filter((t) => t.missing(signals));
  const answered = p.project.clarification.transcript.some((t) => t.from === 'requester');
  const ready = open.length === 0 || answered || round >= p.maxRounds;
  return {
    ready,
    questions: ready ? [] : open.slice(0, 5).map((t) => rng.pick(t.questions(signals))),
    requirements: requirementsFrom(text, seededRng('requirements', p.project.id, p.project.request)),
    assumptions: open.slice(0, 10).map((t) => t.assumption(signals)),
  };
}
