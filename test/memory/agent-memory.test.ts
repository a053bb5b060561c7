import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigError, PipewrightError } from '../../src/domain/errors.js';
import type { RoleId } from '../../src/domain/roles.js';
import { ROLE_IDS } from '../../src/domain/roles.js';
import {
  AgentMemory,
  type AgentMemorySettings,
  agentMemoryKeyPatterns,
  type Conversation,
  type CorruptItem,
  DEFAULT_AGENT_MEMORY_SETTINGS,
  insightId,
  RECORD_SCRIPT,
  type StageOutcomeInput,
} from '../../src/memory/agent-memory/index.js';

const TEAM = 'T0AAAA';
const OTHER_TEAM = 'T0BBBB';
/** Most tests work in a public channel, whose memory is the workspace's (agent-memory-scopes.test.ts has the rest). */
const PUBLIC: Conversation = { teamId: TEAM, channelId: 'C1', visibility: 'public' };
const OTHER_PUBLIC: Conversation = { teamId: OTHER_TEAM, channelId: 'C1', visibility: 'public' };
const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

describe('AgentMemory (real Redis)', () => {
  const connections: Redis[] = [];
  let prefix: string;
  let clock: number;
  let corrupt: CorruptItem[];

  const connect = () => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return redis;
  };
  const memory = (settings: Partial<AgentMemorySettings> = {}, redis: Redis = connect()) =>
    new AgentMemory(redis, prefix, { now: () => clock, onCorrupt: (c) => corrupt.push(c), ...settings });
  const raw = () => connections[0] ?? connect();
  const keysUnder = async (pattern = `${prefix}:*`) => (await raw().keys(pattern)).sort();

  const deliverableKey = (projectId: string, stageId: string, attempt: number) =>
    `${prefix}:project:${projectId}:deliverable:${stageId}:${attempt}`;
  /**
   * The project record every stage's guard reads: a running project. Outside `${prefix}:*`, so the key lists
   * below show only what the memory wrote (agent-memory-scopes.test.ts tests the guard itself).
   */
  const guardKey = () => `${prefix}-guard:project`;

  /** A stage outcome with sensible defaults; `projectId`, `stageId`, `role` usually overridden. */
  const stage = (over: Partial<StageOutcomeInput> = {}): StageOutcomeInput => {
    const projectId = over.projectId ?? 'T0AAAA-C1-1.1';
    const stageId = over.stageId ?? 'phase1.data-engineer';
    const attempt = over.attempt ?? 1;
    return {
      ...PUBLIC,
      projectId,
      stageId,
      attempt,
      role: 'data-engineer',
      projectGuard: { key: guardKey(), closedPhases: ['cancelled', 'forgotten'] },
      deliverableKey: deliverableKey(projectId, stageId, attempt),
      deliverableJson: JSON.stringify({ stageId, attempt, summary: 'done' }),
      history: {
        task: 'Design ingestion for subscription events',
        outcome: 'success',
        keyInsights: ['events arrive late'],
        delegations: [],
        at: clock,
      },
      insights: [],
      messages: [],
      collaborators: [],
      success: true,
      taskType: 'ingestion',
      readMessageIds: [],
      ...over,
      ...(over.deliverableKey ? {} : { deliverableKey: deliverableKey(projectId, stageId, attempt) }),
    };
  };

  beforeEach(async () => {
    prefix = `t${randomUUID().slice(0, 8)}`;
    clock = T0;
    corrupt = [];
    await raw().set(guardKey(), JSON.stringify({ phase: 'running' }));
  });

  afterEach(async () => {
    const redis = raw();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.del(guardKey());
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  it('round trip: a recorded stage comes back in recall with provenance, and its deliverable is stored', async () => {
    const mem = memory();
    const input = stage({
      insights: [
        {
          area: 'ingestion',
          insight: 'Subscription events arrive up to 6 h late; window joins must allow it',
          impact: 'high',
          confidence: 0.8,
          tags: ['Kafka', 'late-data'],
        },
      ],
      messages: [{ to: 'data-scientist', type: 'warning', priority: 'high', text: 'Labels lag by 6 h' }],
      collaborators: ['data-scientist'],
    });
    expect(await mem.recordStageOutcome(input)).toEqual({ status: 'recorded', repairedKeys: 0 });
    expect(await raw().get(input.deliverableKey)).toBe(input.deliverableJson);

    const provenance = {
      projectId: input.projectId,
      stageId: input.stageId,
      attempt: 1,
      role: 'data-engineer',
      at: T0,
    };
    const own = await mem.recall({ ...PUBLIC, role: 'data-engineer', projectTags: ['kafka'] });
    expect(own.corrupt).toBe(0);
    expect(own.history).toEqual([
      {
        id: `${input.projectId}:${input.stageId}:1`,
        task: 'Design ingestion for subscription events',
        outcome: 'success',
        keyInsights: ['events arrive late'],
        delegations: [],
        provenance,
      },
    ]);
    expect(own.insights).toHaveLength(1);
    expect(own.insights[0]).toMatchObject({
      id: insightId('Subscription events arrive up to 6 h late; window joins must allow it'),
      insight: 'Subscription events arrive up to 6 h late; window joins must allow it',
      area: 'ingestion',
      impact: 'high',
      confidence: 0.8,
      tags: ['kafka', 'latedata'],
      projects: 1,
      sources: [provenance],
      relevance: 3,
      matchedTags: ['kafka'],
    });
    expect(own.messages).toEqual([]);

    const ds = await mem.recall({ ...PUBLIC, role: 'data-scientist' });
    expect(ds.history).toEqual([]);
    expect(ds.insights).toEqual([]);
    expect(ds.messages).toEqual([
      {
        id: `${input.projectId}:${input.stageId}:1#0`,
        from: 'data-engineer',
        to: 'data-scientist',
        type: 'warning',
        priority: 'high',
        text: 'Labels lag by 6 h',
        expiresAt: T0 + DEFAULT_AGENT_MEMORY_SETTINGS.messageTtlMs,
        provenance,
      },
    ]);
  });

  it('ranks for the project: tag match (+3 → +300) and domain word (+1 → +100) beat newer, high-impact, unrelated insights', async () => {
    const mem = memory();
    const add = async (n: number, at: number, ins: StageOutcomeInput['insights'][number]) => {
      clock = at;
      await mem.recordStageOutcome(
        stage({
          projectId: `P${n}`,
          history: { ...stage().history, at },
          role: 'mlops-engineer',
          insights: [ins],
        }),
      );
    };
    await add(1, T0 - 200 * DAY, {
      area: 'serving',
      insight: 'KServe canary needs a warm-up request',
      impact: 'low',
      confidence: 0.4,
      tags: ['kserve'],
    });
    await add(2, T0 - 100 * DAY, {
      area: 'serving',
      insight: 'Realtime endpoints need autoscaling on concurrency, not CPU',
      impact: 'medium',
      confidence: 0.6,
      tags: [],
    });
    await add(3, T0, {
      area: 'ci',
      insight: 'Pin the base image digest in CI',
      impact: 'high',
      confidence: 1,
      tags: ['docker'],
    });
    await add(4, T0 - DAY, {
      area: 'ci',
      insight: 'Run smoke tests after every deploy',
      impact: 'medium',
      confidence: 0.9,
      tags: ['ci'],
    });

    const r = await mem.recall({
      ...PUBLIC,
      role: 'mlops-engineer',
      projectTags: ['kserve', 'realtime', 'aws', 'churn'],
      limits: { insights: 3 },
    });
    expect(r.insights.map((i) => [i.insight, i.relevance])).toEqual([
      ['KServe canary needs a warm-up request', 3],
      ['Realtime endpoints need autoscaling on concurrency, not CPU', 1],
      ['Pin the base image digest in CI', 0],
    ]);
    expect(r.insights[0]?.score).toBeGreaterThan(300);
    expect(r.insights[2]?.score).toBeLessThan(100);

    // Without project terms: by value (impact, confidence, recency).
    const plain = await mem.recall({ ...PUBLIC, role: 'mlops-engineer' });
    expect(plain.insights[0]?.insight).toBe('Pin the base image digest in CI');
  });

  it('workspace isolation: team A’s memory never appears for team B, and B forgetting the same project id leaves A', async () => {
    const mem = memory();
    const input = stage({
      insights: [
        { area: 'a', insight: 'Team A secret sauce', impact: 'high', confidence: 1, tags: ['kserve'] },
      ],
      messages: [{ to: 'all', type: 'insight', priority: 'normal', text: 'for team A only' }],
      collaborators: ['data-scientist'],
    });
    await mem.recordStageOutcome(input);

    for (const role of ROLE_IDS) {
      const b = await mem.recall({ ...OTHER_PUBLIC, role, projectTags: ['kserve'] });
      expect(b).toEqual({ history: [], insights: [], messages: [], corrupt: 0 });
      const described = await mem.describeRole(OTHER_PUBLIC, role);
      expect(described.counts).toEqual({
        history: 0,
        insights: 0,
        unreadMessages: 0,
        outcomes: { success: 0, partial: 0, failure: 0 },
      });
      expect(described.collaborators).toEqual([]);
    }
    expect(
      await mem.forgetProject({ teamId: OTHER_TEAM, channelId: 'C1', projectId: input.projectId }),
    ).toMatchObject({ records: 0, history: 0 });
    expect((await mem.recall({ ...PUBLIC, role: 'data-engineer' })).insights).toHaveLength(1);
    expect(await keysUnder(`${prefix}:*:${OTHER_TEAM}:*`)).toEqual([]);
  });

  it('messages: to one role, to all (not the sender); recall only peeks; recordStageOutcome marks read for its role only', async () => {
    const mem = memory();
    await mem.recordStageOutcome(
      stage({
        messages: [
          { to: 'data-scientist', type: 'request', priority: 'low', text: 'please confirm label definition' },
          { to: 'all', type: 'warning', priority: 'high', text: 'PII in column email' },
        ],
      }),
    );
    const unread = async (role: RoleId) => (await mem.unreadMessages(PUBLIC, role)).map((m) => m.text);
    expect(await unread('data-engineer')).toEqual([]);
    // High priority first.
    expect(await unread('data-scientist')).toEqual([
      'PII in column email',
      'please confirm label definition',
    ]);
    for (const role of ROLE_IDS.filter((r) => r !== 'data-engineer' && r !== 'data-scientist')) {
      expect(await unread(role)).toEqual(['PII in column email']);
    }

    // Recall twice: still unread.
    const shown = await mem.recall({ ...PUBLIC, role: 'data-scientist' });
    expect(shown.messages).toHaveLength(2);
    expect((await mem.recall({ ...PUBLIC, role: 'data-scientist' })).messages).toHaveLength(2);

    // The data scientist's stage records and reports what it was shown.
    clock += 1_000;
    await mem.recordStageOutcome(
      stage({
        stageId: 'phase2.data-scientist',
        role: 'data-scientist',
        readMessageIds: shown.messages.map((m) => m.id),
      }),
    );
    expect(await unread('data-scientist')).toEqual([]);
    // The message to all is still unread for everyone else.
    expect(await unread('ml-engineer')).toEqual(['PII in column email']);
    expect(await unread('observability-engineer')).toEqual(['PII in column email']);

    // Reading ids of another role's inbox marks nothing read there.
    await mem.recordStageOutcome(
      stage({
        stageId: 'phase2.python-pro',
        role: 'python-pro',
        readMessageIds: (await mem.unreadMessages(PUBLIC, 'ml-engineer')).map((m) => m.id),
      }),
    );
    expect(await unread('ml-engineer')).toEqual(['PII in column email']);
    expect(await unread('python-pro')).toEqual([]);
  });

  it('messages expire after messageTtlMs: gone from recall and from the unread list', async () => {
    const ttl = 60_000;
    const mem = memory({ messageTtlMs: ttl });
    await mem.recordStageOutcome(
      stage({ messages: [{ to: 'ml-engineer', type: 'insight', priority: 'normal', text: 'short-lived' }] }),
    );
    const inbox = `${prefix}:msg:${TEAM}:public:inbox:ml-engineer`;
    const body = `${prefix}:msg:${TEAM}:public:body:${stage().projectId}:${stage().stageId}:1#0`;
    expect(await raw().pttl(body)).toBeGreaterThan(ttl - 5_000);
    expect(await raw().pttl(body)).toBeLessThanOrEqual(ttl);
    expect(await raw().pttl(inbox)).toBeLessThanOrEqual(ttl);

    clock = T0 + ttl - 1;
    expect(await mem.unreadMessages(PUBLIC, 'ml-engineer')).toHaveLength(1);
    clock = T0 + ttl;
    expect((await mem.recall({ ...PUBLIC, role: 'ml-engineer' })).messages).toEqual([]);
    expect(await raw().zcard(inbox)).toBe(0);
    expect((await mem.describeRole(PUBLIC, 'ml-engineer')).counts.unreadMessages).toBe(0);
  });

  it('caps: history keeps the newest historyCap; insights drop the lowest retention value; reports per insight are capped', async () => {
    const mem = memory({ historyCap: 3, insightCap: 2, maxSourcesPerInsight: 2 });
    for (let n = 1; n <= 5; n++) {
      clock = T0 + n * 1_000;
      await mem.recordStageOutcome(
        stage({
          projectId: `P${n}`,
          history: { ...stage().history, task: `task ${n}`, at: clock },
          insights: [
            { area: 'x', insight: 'Shared lesson', impact: 'medium', confidence: 0.5, tags: [] },
            ...(n === 1
              ? [{ area: 'x', insight: 'Valuable', impact: 'high' as const, confidence: 1, tags: [] }]
              : []),
            ...(n === 2
              ? [{ area: 'x', insight: 'Trivial', impact: 'low' as const, confidence: 0.1, tags: [] }]
              : []),
          ],
        }),
      );
    }
    const d = await mem.describeRole(PUBLIC, 'data-engineer');
    expect(d.counts.history).toBe(3);
    expect(d.recentHistory.map((h) => h.task)).toEqual(['task 5', 'task 4', 'task 3']);
    expect(await raw().hlen(`${prefix}:mem:${TEAM}:public:role:data-engineer:history:entries`)).toBe(3);

    // 'Trivial' (10) was dropped when it exceeded the cap; 'Valuable' (300) and 'Shared lesson' (100 × 2 projects) stay.
    expect(d.topInsights.map((i) => i.insight).sort()).toEqual(['Shared lesson', 'Valuable']);
    const shared = d.topInsights.find((i) => i.insight === 'Shared lesson');
    expect(shared?.sources.map((s) => s.projectId)).toEqual(['P5', 'P4']);
    expect(await raw().zcard(`${prefix}:mem:${TEAM}:public:role:data-engineer:insights:rank`)).toBe(2);
  });

  it('idempotent: recording the same record id again writes nothing, even with different content', async () => {
    const mem = memory();
    const input = stage({
      insights: [{ area: 'a', insight: 'Once only', impact: 'medium', confidence: 0.5, tags: [] }],
      messages: [{ to: 'all', type: 'insight', priority: 'normal', text: 'hello' }],
      collaborators: ['data-scientist', 'ml-engineer'],
    });
    expect((await mem.recordStageOutcome(input)).status).toBe('recorded');
    const snapshot = await dump(raw(), `${prefix}:*`);

    // The retried job: same ids, possibly different model output.
    clock += 5_000;
    const again = {
      ...input,
      deliverableJson: '{"other":true}',
      history: { ...input.history, task: 'other' },
    };
    expect(await mem.recordStageOutcome(again)).toEqual({ status: 'duplicate' });
    expect(await mem.recordStageOutcome(input)).toEqual({ status: 'duplicate' });
    expect(await dump(raw(), `${prefix}:*`)).toEqual(snapshot);

    const d = await mem.describeRole(PUBLIC, 'data-engineer');
    expect(d.counts.history).toBe(1);
    expect(d.topInsights[0]?.sources).toHaveLength(1);
    expect(d.collaborators.map((c) => [c.role, c.tasks])).toEqual([
      ['data-scientist', 1],
      ['ml-engineer', 1],
    ]);
    expect(await mem.unreadMessages(PUBLIC, 'python-pro')).toHaveLength(1);
    // Even if the deliverable were deleted, the project index remembers the record id: the deliverable is
    // written again but memory is not applied twice.
    await raw().del(input.deliverableKey);
    expect((await mem.recordStageOutcome(input)).status).toBe('recorded');
    expect(await raw().get(input.deliverableKey)).toBe(input.deliverableJson);
    const after = await mem.describeRole(PUBLIC, 'data-engineer');
    expect([
      after.counts.history,
      after.topInsights[0]?.sources.length,
      after.collaborators[0]?.tasks,
    ]).toEqual([1, 1, 1]);
  });

  it('concurrency: 20 parallel records from 4 connections to one role and one collaboration pair lose no update', async () => {
    const workers = Array.from({ length: 4 }, () => memory({ maxSourcesPerInsight: 50 }, connect()));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        (workers[n % 4] as AgentMemory).recordStageOutcome(
          stage({
            projectId: `P${n % 4}`,
            stageId: `phase2.ds-${n}`,
            role: 'data-scientist',
            history: { ...stage().history, task: `experiment ${n}`, at: T0 + n },
            insights: [
              {
                area: 'features',
                insight: 'Tenure is the strongest churn feature',
                impact: 'high',
                confidence: 0.7,
                tags: ['churn'],
              },
              { area: 'features', insight: `Finding number ${n}`, impact: 'low', confidence: 0.5, tags: [] },
            ],
            messages: [{ to: 'all', type: 'insight', priority: 'normal', text: `note ${n}` }],
            collaborators: ['data-engineer'],
            success: n % 3 !== 0,
            taskType: n % 2 === 0 ? 'experiment' : 'features',
          }),
        ),
      ),
    );
    expect(outcomes.every((o) => o.status === 'recorded')).toBe(true);

    const mem = memory({ maxSourcesPerInsight: 50 });
    const d = await mem.describeRole(PUBLIC, 'data-scientist', { history: 50, insights: 50 });
    expect(d.counts.history).toBe(20);
    expect(new Set(d.recentHistory.map((h) => h.task)).size).toBe(20);
    expect(d.counts.insights).toBe(21);
    const shared = d.topInsights.find((i) => i.insight === 'Tenure is the strongest churn feature');
    expect(shared?.sources).toHaveLength(20);
    expect(shared?.projects).toBe(4);

    const pair = await raw().hgetall(`${prefix}:mem:${TEAM}:public:collab:data-engineer:data-scientist`);
    expect(pair).toEqual({ tasks: '20', successes: '13', 'type:experiment': '10', 'type:features': '10' });
    expect(d.collaborators).toEqual([
      { role: 'data-engineer', tasks: 20, successes: 13, taskTypes: { experiment: 10, features: 10 } },
    ]);
    expect((await mem.describeRole(PUBLIC, 'data-engineer')).collaborators).toEqual([
      { role: 'data-scientist', tasks: 20, successes: 13, taskTypes: { experiment: 10, features: 10 } },
    ]);
    expect(await mem.unreadMessages(PUBLIC, 'mlops-engineer')).toHaveLength(20);
    for (let p = 0; p < 4; p++)
      expect(await raw().hlen(`${prefix}:mem:${TEAM}:public:project:P${p}`)).toBe(5);
  });

  describe('a crash never leaves half a record', () => {
    it('when the deliverable already exists (an earlier attempt finished), nothing else is written', async () => {
      const mem = memory();
      const input = stage({
        insights: [{ area: 'a', insight: 'x marks', impact: 'low', confidence: 1, tags: [] }],
        messages: [{ to: 'all', type: 'insight', priority: 'low', text: 'hi' }],
        collaborators: ['data-scientist'],
      });
      await raw().set(input.deliverableKey, '{"earlier":true}');
      expect(await mem.recordStageOutcome(input)).toEqual({ status: 'duplicate' });
      expect(await keysUnder()).toEqual([input.deliverableKey]);
      expect(await raw().get(input.deliverableKey)).toBe('{"earlier":true}');
    });

    it('a script that fails on its arguments (invalid JSON, bad payload) writes nothing, deliverable included', async () => {
      const keys = [
        deliverableKey('P', 's', 1),
        `${prefix}:mem:${TEAM}:public:project:P`,
        `${prefix}:mem:${TEAM}:public:role:data-engineer:history`,
        `${prefix}:mem:${TEAM}:public:role:data-engineer:history:entries`,
        `${prefix}:mem:${TEAM}:public:role:data-engineer:insights`,
        `${prefix}:mem:${TEAM}:public:role:data-engineer:insights:rank`,
        `${prefix}:msg:${TEAM}:public:inbox:data-engineer`,
        guardKey(),
      ];
      await expect(raw().eval(RECORD_SCRIPT, keys.length, ...keys, '{not json')).rejects.toThrow();
      const valid = {
        recordId: 'P:s:1',
        deliverable: '{}',
        history: '{}',
        contribution: '{}',
        taskTypeField: 'type:x',
        at: T0,
        now: T0,
        historyCap: 5,
        insightCap: 5,
        maxSources: 5,
        ttlMs: 1000,
        maxUnread: 5,
        success: true,
        insights: [{ id: 'i1', line: '{}' }],
        messages: [],
        collab: [],
        read: [],
        readInboxes: [7],
        closedPhases: ['forgotten'],
      };
      // The last insight is malformed: it is only looked at after the others, yet nothing at all is written.
      const bad = { ...valid, insights: [{ id: 'i1', line: '{}' }, { id: 'i2' }] };
      await expect(raw().eval(RECORD_SCRIPT, keys.length, ...keys, JSON.stringify(bad))).rejects.toThrow(
        /invalid record payload: insight 2/,
      );
      const outOfRange = { ...valid, collab: [99] };
      await expect(
        raw().eval(RECORD_SCRIPT, keys.length, ...keys, JSON.stringify(outOfRange)),
      ).rejects.toThrow(/collaboration key/);
      expect(await keysUnder()).toEqual([]);
      // The same script with a valid payload does write: the failures above were the arguments.
      expect(await raw().eval(RECORD_SCRIPT, keys.length, ...keys, JSON.stringify(valid))).toEqual([
        'recorded',
        0,
      ]);
      expect(await keysUnder()).toContain(keys[0]);
    });

    it('invalid input is refused before Redis is touched', async () => {
      const mem = memory();
      const bad = stage({ history: { ...stage().history, outcome: 'great' as 'success' } });
      await expect(mem.recordStageOutcome(bad)).rejects.toBeInstanceOf(PipewrightError);
      await expect(mem.recordStageOutcome(stage({ teamId: 'T:1' }))).rejects.toThrow(/team id/);
      expect(await keysUnder()).toEqual([]);
    });

    it('a worker that dies between the model answer and the record leaves nothing; the retry records everything once', async () => {
      const mem = memory();
      const input = stage({
        insights: [{ area: 'a', insight: 'retry-safe', impact: 'medium', confidence: 0.5, tags: [] }],
        messages: [{ to: 'ml-engineer', type: 'request', priority: 'normal', text: 'need GPU quota' }],
        collaborators: ['data-scientist'],
      });
      // The model answered, then the process died: recordStageOutcome never ran.
      expect(await keysUnder()).toEqual([]);
      // The job is retried and the retry crashes right after recording (before acking): retried again.
      expect((await mem.recordStageOutcome(input)).status).toBe('recorded');
      expect((await memory().recordStageOutcome(input)).status).toBe('duplicate');
      const d = await mem.describeRole(PUBLIC, 'data-engineer');
      expect([d.counts.history, d.counts.insights, d.collaborators[0]?.tasks]).toEqual([1, 1, 1]);
      expect(await mem.unreadMessages(PUBLIC, 'ml-engineer')).toHaveLength(1);
    });

    it('a wrong-typed memory key does not block the stage: it is rebuilt and reported, with everything else written', async () => {
      const mem = memory();
      const historyKey = `${prefix}:mem:${TEAM}:public:role:data-engineer:history`;
      const pairKey = `${prefix}:mem:${TEAM}:public:collab:data-engineer:data-scientist`;
      await raw().set(historyKey, 'garbage');
      await raw().hset(pairKey, 'tasks', 'many');
      const result = await mem.recordStageOutcome(stage({ collaborators: ['data-scientist'] }));
      expect(result).toEqual({ status: 'recorded', repairedKeys: 2 });
      expect(corrupt.map((c) => c.reason)).toEqual([expect.stringMatching(/2 wrong-typed/)]);
      expect(await raw().zcard(historyKey)).toBe(1);
      expect(await raw().hgetall(pairKey)).toEqual({ tasks: '1', successes: '1', 'type:ingestion': '1' });
    });
  });

  it('forgetProject removes exactly what only that project contributed', async () => {
    const mem = memory();
    const shared = { area: 'serving', impact: 'high' as const, confidence: 0.9 };
    clock = T0;
    await mem.recordStageOutcome(
      stage({
        projectId: 'P1',
        role: 'mlops-engineer',
        stageId: 'phase3.mlops',
        history: { ...stage().history, task: 'P1 serving', at: T0 },
        insights: [
          { ...shared, insight: 'Canary at 5% first!', tags: ['p1-secret-tag'] },
          { area: 'cost', insight: 'P1 only insight', impact: 'low', confidence: 0.3, tags: [] },
        ],
        messages: [
          {
            to: 'observability-engineer',
            type: 'request',
            priority: 'normal',
            text: 'P1 wants latency alerts',
          },
          { to: 'all', type: 'insight', priority: 'low', text: 'P1 broadcast' },
        ],
        collaborators: ['ml-engineer', 'kubernetes-architect'],
        taskType: 'deploy',
      }),
    );
    clock = T0 + 1_000;
    await mem.recordStageOutcome(
      stage({
        projectId: 'P2',
        role: 'mlops-engineer',
        stageId: 'phase3.mlops',
        history: { ...stage().history, task: 'P2 serving', at: clock },
        insights: [
          { ...shared, insight: 'canary at 5 % first', tags: ['kserve'], confidence: 0.6 },
          { area: 'ci', insight: 'P2 only insight', impact: 'medium', confidence: 0.5, tags: [] },
        ],
        messages: [{ to: 'observability-engineer', type: 'insight', priority: 'normal', text: 'P2 note' }],
        collaborators: ['ml-engineer'],
        success: false,
        taskType: 'deploy',
      }),
    );
    // A P1 stage of another role, too.
    await mem.recordStageOutcome(stage({ projectId: 'P1', stageId: 'phase1.de', role: 'data-engineer' }));

    expect(await mem.forgetProject({ teamId: TEAM, channelId: 'C1', projectId: 'P1' })).toEqual({
      records: 2,
      history: 2,
      insightsDeleted: 1,
      insightsUnlinked: 1,
      messages: 2,
      collaborations: 2,
      corrupt: 0,
    });

    const d = await mem.describeRole(PUBLIC, 'mlops-engineer');
    expect(d.recentHistory.map((h) => h.task)).toEqual(['P2 serving']);
    expect(d.topInsights.map((i) => i.insight).sort()).toEqual(['P2 only insight', 'canary at 5 % first']);
    const canary = d.topInsights.find((i) => i.insight === 'canary at 5 % first');
    // P1's wording, tags and confidence are gone with its report.
    expect(canary).toMatchObject({ tags: ['kserve'], confidence: 0.6, projects: 1 });
    expect(canary?.sources.map((s) => s.projectId)).toEqual(['P2']);
    expect(d.collaborators).toEqual([
      { role: 'ml-engineer', tasks: 1, successes: 0, taskTypes: { deploy: 1 } },
    ]);
    expect(
      await raw().exists(`${prefix}:mem:${TEAM}:public:collab:kubernetes-architect:mlops-engineer`),
    ).toBe(0);
    expect((await mem.unreadMessages(PUBLIC, 'observability-engineer')).map((m) => m.text)).toEqual([
      'P2 note',
    ]);
    expect(await mem.unreadMessages(PUBLIC, 'python-pro')).toEqual([]);
    expect((await mem.describeRole(PUBLIC, 'data-engineer')).counts.history).toBe(0);
    expect(JSON.stringify(await dump(raw(), `${prefix}:m*`))).not.toMatch(/P1|p1secret/);
    // P1's deliverables are project data and stay.
    expect(await raw().exists(deliverableKey('P1', 'phase3.mlops', 1))).toBe(1);

    // Again: nothing left to forget. A retried P1 job finds its deliverable and does not bring memory back.
    expect(await mem.forgetProject({ teamId: TEAM, channelId: 'C1', projectId: 'P1' })).toMatchObject({
      records: 0,
      history: 0,
      insightsDeleted: 0,
    });
    expect((await mem.recordStageOutcome(stage({ projectId: 'P1', stageId: 'phase1.de' }))).status).toBe(
      'duplicate',
    );
    expect((await mem.describeRole(PUBLIC, 'data-engineer')).counts.history).toBe(0);
  });

  it('corrupt stored items are skipped, counted and reported, never a crash', async () => {
    const mem = memory();
    await mem.recordStageOutcome(
      stage({
        insights: [{ area: 'a', insight: 'good one', impact: 'low', confidence: 1, tags: [] }],
        messages: [{ to: 'all', type: 'insight', priority: 'low', text: 'good message' }],
      }),
    );
    const base = `${prefix}:mem:${TEAM}:public:role:data-engineer`;
    await raw().hset(`${base}:insights`, 'bad1', 'not json', 'bad2', '{"insight":"missing fields"}');
    await raw().hset(`${base}:history:entries`, 'P:x:1', '{"id":"P:x:1"}');
    await raw().zadd(`${base}:history`, T0 + 1, 'P:x:1');
    await raw().set(`${prefix}:msg:${TEAM}:public:body:fake`, '[]');
    await raw().zadd(`${prefix}:msg:${TEAM}:public:inbox:data-engineer`, T0 + DAY, 'fake');
    await raw().set(`${prefix}:msg:${TEAM}:public:inbox:ml-engineer`, 'wrong type');

    const r = await mem.recall({ ...PUBLIC, role: 'data-engineer' });
    expect(r.history).toHaveLength(1);
    expect(r.insights.map((i) => i.insight)).toEqual(['good one']);
    expect(r.messages).toEqual([]);
    expect(r.corrupt).toBe(4);
    const ml = await mem.recall({ ...PUBLIC, role: 'ml-engineer' });
    expect(ml).toMatchObject({ messages: [], corrupt: 1 });
    expect(corrupt.map((c) => c.key)).toContain(`${prefix}:msg:${TEAM}:public:inbox:ml-engineer`);
    expect(corrupt).toHaveLength(5);

    // A corrupt project index entry does not stop forgetting the rest.
    await raw().hset(`${prefix}:mem:${TEAM}:public:project:${stage().projectId}`, 'junk', '{');
    expect(
      await mem.forgetProject({ teamId: TEAM, channelId: 'C1', projectId: stage().projectId }),
    ).toMatchObject({ records: 1, corrupt: 1 });
  });

  it('describeRole: counts, recent history, top insights, collaborators, unread messages', async () => {
    const mem = memory();
    await mem.recordStageOutcome(
      stage({
        role: 'data-scientist',
        stageId: 'phase2.ds',
        history: { ...stage().history, outcome: 'partial' },
        insights: [
          { area: 'eval', insight: 'AUC hides calibration', impact: 'medium', confidence: 0.7, tags: [] },
        ],
        collaborators: ['data-engineer', 'data-scientist'],
        taskType: 'modelling',
      }),
    );
    await mem.recordStageOutcome(
      stage({
        messages: [{ to: 'data-scientist', type: 'warning', priority: 'high', text: 'schema changed' }],
      }),
    );
    const d = await mem.describeRole(PUBLIC, 'data-scientist');
    expect(d).toMatchObject({
      teamId: TEAM,
      role: 'data-scientist',
      counts: {
        history: 1,
        insights: 1,
        unreadMessages: 1,
        outcomes: { success: 0, partial: 1, failure: 0 },
      },
      collaborators: [{ role: 'data-engineer', tasks: 1, successes: 1, taskTypes: { modelling: 1 } }],
      corrupt: 0,
    });
    expect(d.recentHistory[0]?.outcome).toBe('partial');
    expect(d.topInsights[0]?.insight).toBe('AUC hides calibration');
    expect(d.unreadMessages.map((m) => [m.from, m.text])).toEqual([['data-engineer', 'schema changed']]);
  });

  it('every key written matches a documented pattern', async () => {
    const mem = memory();
    await mem.recordStageOutcome(
      stage({
        insights: [{ area: 'a', insight: 'i', impact: 'low', confidence: 1, tags: ['t'] }],
        messages: [{ to: 'all', type: 'insight', priority: 'low', text: 'm' }],
        collaborators: ['python-pro'],
      }),
    );
    // Project and message ids may contain ':' (a message id is `<project>:<stage>:<attempt>#<n>`).
    const patterns = agentMemoryKeyPatterns(prefix).map(
      (p) =>
        new RegExp(
          `^${p.pattern
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace(/<scope>/g, '(?:public|private:[^:]+)')
            .replace(/<(project|message)>/g, '.+')
            .replace(/<[a-zA-Z]+>/g, '[^:]+')}$`,
        ),
    );
    const memoryKeys = (await keysUnder()).filter((k) => k !== stage().deliverableKey);
    // index, history, entries, insights, rank, one collaboration, one body, and the 6 recipients' inboxes
    expect(memoryKeys).toHaveLength(13);
    for (const k of memoryKeys)
      expect(
        patterns.filter((re) => re.test(k)),
        k,
      ).toHaveLength(1);
  });

  it('rejects nonsense settings', () => {
    const redis = connect();
    expect(() => new AgentMemory(redis, prefix, { historyCap: 0 })).toThrow(ConfigError);
    expect(() => new AgentMemory(redis, prefix, { messageTtlMs: Number.NaN })).toThrow(ConfigError);
    expect(() => new AgentMemory(redis, '', {})).toThrow(ConfigError);
  });
});

/** Every key matching the pattern with its type and content, for before/after comparisons. */
async function dump(redis: Redis, pattern: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await redis.keys(pattern)).sort()) {
    const type = await redis.type(key);
    if (type === 'string') out[key] = await redis.get(key);
    else if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else out[key] = type;
  }
  return out;
}
