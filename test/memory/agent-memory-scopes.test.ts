import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RoleId } from '../../src/domain/roles.js';
import {
  AgentMemory,
  type Conversation,
  type StageOutcomeInput,
} from '../../src/memory/agent-memory/index.js';

/**
 * Memory follows Slack's visibility: what is learned in a public channel is the workspace's; what is learned
 * in a private channel or a DM stays with that conversation. Another workspace never sees either.
 */

const TEAM = 'T0AAAA';
const OTHER_TEAM = 'T0BBBB';
const T0 = 1_800_000_000_000;

const C1: Conversation = { teamId: TEAM, channelId: 'C1', visibility: 'public' };
const C2: Conversation = { teamId: TEAM, channelId: 'C2', visibility: 'public' };
const G1: Conversation = { teamId: TEAM, channelId: 'G1', visibility: 'private' };
const G2: Conversation = { teamId: TEAM, channelId: 'G2', visibility: 'private' };
const D1: Conversation = { teamId: TEAM, channelId: 'D1', visibility: 'private' };
const OTHER_C1: Conversation = { teamId: OTHER_TEAM, channelId: 'C1', visibility: 'public' };

describe('AgentMemory scopes (real Redis)', () => {
  const connections: Redis[] = [];
  let prefix: string;
  let clock: number;
  let mem: AgentMemory;
  let seq = 0;

  const connect = () => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return redis;
  };
  const raw = () => connections[0] ?? connect();
  const projectKey = (projectId: string) => `${prefix}:project:${projectId}`;

  /** Opens a project record (the worker's guard reads its phase) and returns its id. */
  const openProject = async (where: Conversation, phase = 'running') => {
    const projectId = `${where.teamId}-${where.channelId}-${++seq}.000100`;
    await raw().set(projectKey(projectId), JSON.stringify({ id: projectId, phase }));
    return projectId;
  };

  /** A data-engineer stage of `projectId` in `where` that learned `lesson` and left `message` for the data scientist. */
  const stage = (
    where: Conversation,
    projectId: string,
    lesson: string,
    over: Partial<StageOutcomeInput> = {},
  ): StageOutcomeInput => {
    const stageId = over.stageId ?? 'phase1.data-engineer';
    return {
      ...where,
      projectId,
      stageId,
      attempt: 1,
      role: 'data-engineer',
      projectGuard: { key: projectKey(projectId), closedPhases: ['cancelled', 'forgotten'] },
      deliverableKey: `${prefix}:project:${projectId}:deliverable:${stageId}:1`,
      deliverableJson: JSON.stringify({ stageId, summary: lesson }),
      history: {
        task: `task of ${lesson}`,
        outcome: 'success',
        keyInsights: [lesson],
        delegations: [],
        at: clock,
      },
      insights: [{ area: 'ingestion', insight: lesson, impact: 'high', confidence: 0.9, tags: ['postgres'] }],
      messages: [{ to: 'data-scientist', type: 'warning', priority: 'high', text: `message: ${lesson}` }],
      collaborators: ['data-scientist'],
      success: true,
      taskType: 'ingestion',
      readMessageIds: [],
      ...over,
    };
  };

  /** Everything a role would be reminded of in `where`, as text. */
  const recalled = async (where: Conversation, role: RoleId = 'data-engineer') => {
    const r = await mem.recall({ ...where, role });
    return [
      ...r.history.map((h) => h.task),
      ...r.insights.map((i) => i.insight),
      ...r.messages.map((m) => m.text),
    ];
  };

  beforeEach(() => {
    prefix = `t${randomUUID().slice(0, 8)}`;
    clock = T0;
    mem = new AgentMemory(connect(), prefix, { now: () => clock });
  });

  afterEach(async () => {
    const redis = raw();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  it('a lesson learned in private G1 is recalled in G1 only: not in public C1, private G2, a DM, or another workspace', async () => {
    const p = await openProject(G1);
    expect(
      await mem.recordStageOutcome(stage(G1, p, 'G1 secret: the orders table is sharded by region')),
    ).toEqual({ status: 'recorded', repairedKeys: 0 });
    const inG1 = await recalled(G1);
    expect(inG1).toEqual(
      expect.arrayContaining([
        'task of G1 secret: the orders table is sharded by region',
        'G1 secret: the orders table is sharded by region',
      ]),
    );
    expect(await recalled(G1, 'data-scientist')).toEqual([
      'message: G1 secret: the orders table is sharded by region',
    ]);
    for (const elsewhere of [C1, C2, G2, D1, OTHER_C1]) {
      expect(await recalled(elsewhere), elsewhere.channelId).toEqual([]);
      expect(await recalled(elsewhere, 'data-scientist'), elsewhere.channelId).toEqual([]);
      expect(await mem.unreadMessages(elsewhere, 'data-scientist')).toEqual([]);
    }
  });

  it('a lesson learned in public C1 is recalled in every channel of the workspace (C1, C2, G1, a DM), never in another workspace', async () => {
    const p = await openProject(C1);
    await mem.recordStageOutcome(stage(C1, p, 'Public: use CDC for refunds'));
    for (const where of [C1, C2, G1, G2, D1]) {
      expect(await recalled(where), where.channelId).toEqual(
        expect.arrayContaining(['Public: use CDC for refunds']),
      );
      expect(await recalled(where, 'data-scientist'), where.channelId).toEqual([
        'message: Public: use CDC for refunds',
      ]);
    }
    expect(await recalled(OTHER_C1)).toEqual([]);
    expect(await recalled(OTHER_C1, 'data-scientist')).toEqual([]);
  });

  it('a private conversation recalls its own and the public lessons, merged and ranked together', async () => {
    const pub = await openProject(C1);
    const priv = await openProject(G1);
    const other = await openProject(G2);
    await mem.recordStageOutcome(stage(C1, pub, 'Public lesson'));
    clock += 1_000;
    await mem.recordStageOutcome(stage(G1, priv, 'G1 lesson'));
    clock += 1_000;
    await mem.recordStageOutcome(stage(G2, other, 'G2 lesson'));
    // The same insight reported in public and in G1 is one insight in G1, reported by two projects.
    clock += 1_000;
    const pub2 = await openProject(C1);
    const priv2 = await openProject(G1);
    await mem.recordStageOutcome(stage(C1, pub2, 'Shared lesson'));
    await mem.recordStageOutcome(stage(G1, priv2, 'Shared lesson'));

    const r = await mem.recall({ ...G1, role: 'data-engineer' });
    expect(r.history.map((h) => h.task)).toEqual([
      'task of Shared lesson',
      'task of Shared lesson',
      'task of G1 lesson',
      'task of Public lesson',
    ]);
    expect(r.insights.map((i) => i.insight).sort()).toEqual(['G1 lesson', 'Public lesson', 'Shared lesson']);
    expect(r.insights.find((i) => i.insight === 'Shared lesson')?.projects).toBe(2);
    // In public, the shared insight has only its public report.
    const inPublic = await mem.recall({ ...C2, role: 'data-engineer' });
    expect(inPublic.insights.map((i) => i.insight).sort()).toEqual(['Public lesson', 'Shared lesson']);
    expect(inPublic.insights.find((i) => i.insight === 'Shared lesson')?.projects).toBe(1);
  });

  it('`memory <role>` follows the same rule: public shows public memory only; private shows its own and the public', async () => {
    const pub = await openProject(C1);
    const priv = await openProject(G1);
    await mem.recordStageOutcome(stage(C1, pub, 'Public lesson'));
    await mem.recordStageOutcome(
      stage(G1, priv, 'G1 lesson', {
        collaborators: ['data-scientist', 'ml-engineer'],
        taskType: 'g1-secret-task',
      }),
    );

    const inC1 = await mem.describeRole(C1, 'data-engineer');
    expect(inC1.topInsights.map((i) => i.insight)).toEqual(['Public lesson']);
    expect(inC1.recentHistory.map((h) => h.task)).toEqual(['task of Public lesson']);
    expect(inC1.counts).toMatchObject({ history: 1, insights: 1 });
    // Collaboration records are scoped too: G1's pairs and task types are not shown in public.
    expect(inC1.collaborators).toEqual([
      { role: 'data-scientist', tasks: 1, successes: 1, taskTypes: { ingestion: 1 } },
    ]);
    expect((await mem.describeRole(C1, 'data-scientist')).unreadMessages.map((m) => m.text)).toEqual([
      'message: Public lesson',
    ]);

    const inG1 = await mem.describeRole(G1, 'data-engineer');
    expect(inG1.topInsights.map((i) => i.insight).sort()).toEqual(['G1 lesson', 'Public lesson']);
    expect(inG1.counts).toMatchObject({ history: 2, insights: 2 });
    expect(inG1.collaborators).toEqual([
      {
        role: 'data-scientist',
        tasks: 2,
        successes: 2,
        taskTypes: { ingestion: 1, 'g1-secret-task': 1 },
      },
      { role: 'ml-engineer', tasks: 1, successes: 1, taskTypes: { 'g1-secret-task': 1 } },
    ]);
    expect((await mem.describeRole(G1, 'data-scientist')).unreadMessages.map((m) => m.text).sort()).toEqual([
      'message: G1 lesson',
      'message: Public lesson',
    ]);
    expect((await mem.describeRole(G2, 'data-engineer')).topInsights.map((i) => i.insight)).toEqual([
      'Public lesson',
    ]);
  });

  it('a stage in a private conversation marks what it read as read, in its own and in the public inbox', async () => {
    const pub = await openProject(C1);
    const priv = await openProject(G1);
    await mem.recordStageOutcome(stage(C1, pub, 'Public'));
    await mem.recordStageOutcome(stage(G1, priv, 'Private'));
    const shown = await mem.recall({ ...G1, role: 'data-scientist' });
    expect(shown.messages.map((m) => m.text).sort()).toEqual(['message: Private', 'message: Public']);
    await mem.recordStageOutcome(
      stage(G1, priv, 'Reader', {
        stageId: 'phase1.data-scientist',
        role: 'data-scientist',
        messages: [],
        readMessageIds: shown.messages.map((m) => m.id),
      }),
    );
    expect(await mem.unreadMessages(G1, 'data-scientist')).toEqual([]);
    expect(await mem.unreadMessages(C1, 'data-scientist')).toEqual([]);
  });

  it('forgetProject deletes what a private project contributed in its conversation, and leaves the public memory alone', async () => {
    const pub = await openProject(C1);
    const priv = await openProject(G1);
    await mem.recordStageOutcome(stage(C1, pub, 'Public lesson'));
    await mem.recordStageOutcome(stage(G1, priv, 'G1 lesson'));

    expect(await mem.forgetProject({ teamId: TEAM, channelId: 'G1', projectId: priv })).toMatchObject({
      records: 1,
      history: 1,
      insightsDeleted: 1,
      messages: 1,
      collaborations: 1,
    });
    expect(await recalled(G1)).toEqual(['task of Public lesson', 'Public lesson']);
    expect(await recalled(G1, 'data-scientist')).toEqual(['message: Public lesson']);
    expect((await mem.describeRole(G1, 'data-engineer')).collaborators).toEqual([
      { role: 'data-scientist', tasks: 1, successes: 1, taskTypes: { ingestion: 1 } },
    ]);
    expect(JSON.stringify(await dumpValues(raw(), `${prefix}:m*`))).not.toContain('G1 lesson');

    // And a public project's contributions, from the workspace's memory.
    expect(await mem.forgetProject({ teamId: TEAM, channelId: 'C1', projectId: pub })).toMatchObject({
      records: 1,
      history: 1,
    });
    expect(await recalled(G1)).toEqual([]);
    expect(await raw().keys(`${prefix}:m*`)).toEqual([]);
  });

  it('forgetProject also finds what a project contributed before memory had scopes (`<prefix>:mem:<team>:…`)', async () => {
    // As the release before scopes wrote it: the project index, a history entry, and an insight.
    const p = 'T0AAAA-G1-1.000100';
    const recordId = `${p}:phase1.data-engineer:1`;
    const mem0 = `${prefix}:mem:${TEAM}`;
    const provenance = {
      projectId: p,
      stageId: 'phase1.data-engineer',
      attempt: 1,
      role: 'data-engineer',
      at: T0,
    };
    await raw().hset(
      `${mem0}:project:${p}`,
      recordId,
      JSON.stringify({
        recordId,
        role: 'data-engineer',
        insights: ['i1'],
        messages: [],
        collab: { pairs: [], success: true, taskTypeField: 'type:ingestion' },
      }),
    );
    await raw().zadd(`${mem0}:role:data-engineer:history`, T0, recordId);
    await raw().hset(
      `${mem0}:role:data-engineer:history:entries`,
      recordId,
      JSON.stringify({ id: recordId }),
    );
    const line = {
      recordId,
      ...provenance,
      area: 'a',
      insight: 'old secret',
      impact: 'low',
      confidence: 1,
      tags: [],
    };
    await raw().hset(`${mem0}:role:data-engineer:insights`, 'i1', JSON.stringify(line));

    expect(await mem.forgetProject({ teamId: TEAM, channelId: 'G1', projectId: p })).toMatchObject({
      records: 1,
      history: 1,
      insightsDeleted: 1,
    });
    expect(await raw().keys(`${prefix}:m*`)).toEqual([]);
  });

  describe('a stage that finishes after its project was forgotten or cancelled writes nothing', () => {
    for (const phase of ['forgotten', 'cancelled']) {
      it(`project ${phase}: no deliverable, no history, no insight, no message, no collaboration`, async () => {
        const p = await openProject(G1);
        // The forget (or cancel) was stored after the worker last looked and before it recorded.
        await raw().set(projectKey(p), JSON.stringify({ id: p, phase }));
        const input = stage(G1, p, 'Too late');
        expect(await mem.recordStageOutcome(input)).toEqual({ status: 'project_closed', phase });
        expect(await raw().exists(input.deliverableKey)).toBe(0);
        expect((await raw().keys(`${prefix}:*`)).sort()).toEqual([projectKey(p)]);
      });
    }

    it('project record gone (deleted or expired): nothing is written', async () => {
      const input = stage(G1, 'T0AAAA-G1-9.9', 'Orphan');
      expect(await mem.recordStageOutcome(input)).toEqual({ status: 'project_closed', phase: 'missing' });
      expect(await raw().keys(`${prefix}:*`)).toEqual([]);
    });

    it('a stopped or failed run still records the stages that were running (the run can be resumed)', async () => {
      for (const phase of ['stopped', 'failed', 'running']) {
        const p = await openProject(C1, phase);
        expect((await mem.recordStageOutcome(stage(C1, p, `lesson while ${phase}`))).status).toBe('recorded');
      }
    });
  });
});

/** Every value under the pattern, for "is it gone" checks. */
async function dumpValues(redis: Redis, pattern: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const key of await redis.keys(pattern)) {
    const type = await redis.type(key);
    if (type === 'string') out.push(await redis.get(key));
    else if (type === 'hash') out.push(await redis.hgetall(key));
    else if (type === 'zset') out.push(await redis.zrange(key, 0, -1));
  }
  return out;
}
