import { Queue } from 'bullmq';
import { strFromU8, unzipSync } from 'fflate';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Deliverable, deliverableSchema } from '../../src/domain/deliverable.js';
import { checkFiles, type ModelFile } from '../../src/domain/deliverable-files.js';
import { filesBranch, messageKeys } from '../../src/domain/ids.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { outboxShard, outboxShardName } from '../../src/memory/queues.js';
import { gitBranchPublisher } from '../../src/ops/git-publisher.js';
import type { RecordedRequest, StandInReply } from '../support/anthropic-stand-in.js';
import { bareRepo, gitIn } from '../support/bare-repo.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  promptOf,
  REQUESTER,
  runToFirstGate,
  stagesWithoutFiles,
  startHarness,
} from './harness.js';

const DE = 'phase1.data-engineer';
const ML = 'phase2.ml-engineer';
const PY = 'phase2.python-pro';

/** What the stages hand over in these tests (the stage job writing files is tested on its own). */
const FILES: Record<string, ModelFile[]> = {
  [DE]: [
    { path: 'pipelines/ingest.py', language: 'python', content: 'def ingest():\n    return "v1"\n' },
    { path: 'config/quality.yaml', language: 'yaml', content: 'rules:\n  - not_null: customer_id\n' },
    { path: '/etc/passwd', language: 'text', content: 'root' },
  ],
  [ML]: [
    { path: 'pipelines/ingest.py', language: 'python', content: 'def ingest():\n    return "v2"\n' },
    { path: 'training/params.json', language: 'json', content: '{"lr": 0.1' },
  ],
  [PY]: [{ path: 'tests/test_ingest.py', language: 'python', content: 'def test_it():\n    assert True\n' }],
};

/** Adds FILES to the stored deliverables of the stages that are done (as the stage job will write them). */
async function handOverFiles(h: Harness, projectId: string): Promise<void> {
  const keys = keySpace(h.config.redis.keyPrefix);
  for (const [stageId, files] of Object.entries(FILES)) {
    const key = keys.deliverable(projectId, stageId, 1);
    const raw = await h.redis.get(key);
    if (!raw) throw new Error(`no deliverable for ${stageId}`);
    const checked = checkFiles(files);
    const d: Deliverable = deliverableSchema.parse(JSON.parse(raw));
    await h.redis.set(
      key,
      JSON.stringify({ ...d, files: checked.files, fileProblems: checked.problems }),
      'KEEPTTL',
    );
  }
}

async function runWithFiles(
  h: Harness,
  first?: (req: RecordedRequest) => StandInReply | undefined,
): Promise<{ threadTs: string; projectId: string }> {
  // The stages hand over only the files this test gives them.
  h.model.setResponder((req) => first?.(req) ?? stagesWithoutFiles(req));
  const threadTs = await runToFirstGate(h);
  const projectId = `T0001-${CHANNEL}-${threadTs}`;
  await handOverFiles(h, projectId);
  await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
  await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
  await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
  await h.waitForThread(threadTs, /Executive summary/, 20_000);
  return { threadTs, projectId };
}

async function threadFiles(h: Harness, threadTs: string, pattern: RegExp) {
  const found = [];
  for (const m of await h.slack.workspace.thread(CHANNEL, threadTs))
    for (const f of m.files ?? []) if (pattern.test(f.name)) found.push({ message: m, file: f });
  return found;
}

async function download(h: Harness, fileId: string): Promise<Buffer> {
  const stored = await h.slack.workspace.file(fileId);
  if (!stored) throw new Error(`no file ${fileId}`);
  return stored.content;
}

const EXPECTED_TREE = [
  'INDEX.md',
  'config/quality.yaml',
  'pipelines/ingest.py',
  'tests/test_ingest.py',
  'training/params.json',
];

describe('the project files at the end of a run', () => {
  it('one archive in the thread, linked from the report; the files committed on the project branch', async () => {
    const bare = bareRepo();
    const url = `file://${bare}`;
    const h = await startHarness({ DELIVERABLES_GIT_URL: url });
    const { threadTs, projectId } = await runWithFiles(h);
    const branch = filesBranch(FIXTURE_REQUIREMENTS.objective, projectId);

    // The summary names the branch.
    expect(h.threadText(threadTs)).toContain(
      `*Files:* branch \`${branch}\` on ${url} (4 file(s) and INDEX.md, commit`,
    );

    // The branch holds every file and the index, committed by Pipewright.
    expect(gitIn(bare, 'ls-tree', '-r', '--name-only', `refs/heads/${branch}`).split('\n')).toEqual(
      EXPECTED_TREE,
    );
    expect(gitIn(bare, 'show', `refs/heads/${branch}:pipelines/ingest.py`)).toContain('"v2"');
    expect(gitIn(bare, 'log', '-1', '--format=%an <%ae>', `refs/heads/${branch}`)).toBe(
      'Pipewright <pipewright@users.noreply.local>',
    );
    const index = gitIn(bare, 'show', `refs/heads/${branch}:INDEX.md`);
    expect(index).toContain(`| \`pipelines/ingest.py\` | ${ML} | ml-engineer | python |`);
    expect(index).toContain(`the file from ${DE}`);
    expect(index).toContain('| json |');
    expect(index).toMatch(/training\/params\.json.*\| does not parse \|/);
    expect(index).toMatch(/`\/etc\/passwd` \(unsafe_path\)/);

    // The archive: uploaded once, before the report, and the report links it.
    const report = await waitFor(async () => (await threadFiles(h, threadTs, /^pipewright-report\.md$/))[0], {
      timeoutMs: 15_000,
      message: 'the report was never uploaded',
    });
    const archives = await threadFiles(h, threadTs, /-files\.zip$/);
    expect(archives).toHaveLength(1);
    const archive = archives[0];
    if (!archive) throw new Error('no archive');
    const folder = branch.replace('pipewright/', '');
    expect(archive.file.name).toBe(`${folder}-files.zip`);
    const unzipped = unzipSync(new Uint8Array(await download(h, archive.file.id)));
    expect(Object.keys(unzipped).sort()).toEqual(EXPECTED_TREE.map((p) => `${folder}/${p}`));
    expect(strFromU8(unzipped[`${folder}/INDEX.md`] ?? new Uint8Array())).toBe(`${index}\n`);
    const reportText = (await download(h, report.file.id)).toString('utf8');
    expect(reportText).toMatch(
      new RegExp(`\\[${archive.file.name}\\]\\(https://test\\.slack\\.com/files/[^/]+/${archive.file.id}/`),
    );
    expect(reportText).toContain(`Files: branch \`${branch}\` on ${url}`);
    expect(reportText).toContain(`### ${PY} (python-pro)`);
    expect(reportText).toContain('- `tests/test_ingest.py` (python, ');

    // A replay of the report job (a crash after it all) uploads nothing again.
    const keys = keySpace(h.config.redis.keyPrefix);
    const outbox = new Queue(outboxShardName(outboxShard(projectId, h.config.outboxShards)), {
      connection: h.redis,
      prefix: keys.bull,
    });
    onTestFinished(() => outbox.close());
    const reportKey = messageKeys.report(1);
    const replay = await outbox.add('replay', {
      projectId,
      channelId: CHANNEL,
      threadTs,
      revision: 0,
      effect: { kind: 'report', key: reportKey },
    });
    // The archive is recorded once under its own key; the report's record stands.
    const messages = keys.projectMessages(projectId);
    expect(await h.redis.hget(messages, messageKeys.filesArchive(reportKey))).toBe(archive.file.id);
    await waitFor(async () => ((await replay.getState()) === 'completed' ? true : undefined), {
      message: 'the replayed report job never ran',
    });
    expect(await threadFiles(h, threadTs, /-files\.zip$/)).toHaveLength(1);
    expect(await threadFiles(h, threadTs, /^pipewright-report\.md$/)).toHaveLength(1);

    // A crash between uploading both and recording them: the replay finds them in the thread instead.
    const archiveKey = messageKeys.filesArchive(reportKey);
    const reportId = await h.redis.hget(messages, reportKey);
    await h.redis.hdel(messages, archiveKey, `${archiveKey}#rev`, reportKey, `${reportKey}#rev`);
    await h.redis.hset(messages, `${archiveKey}#pending`, '1', `${reportKey}#pending`, '1');
    await outbox.add('crash-replay', {
      projectId,
      channelId: CHANNEL,
      threadTs,
      revision: 0,
      effect: { kind: 'report', key: reportKey },
    });
    expect(
      await waitFor(async () => (await h.redis.hget(messages, reportKey)) ?? undefined, {
        message: 'the crash replay never recorded the report',
      }),
    ).toBe(reportId);
    expect(await h.redis.hget(messages, archiveKey)).toBe(archive.file.id);
    expect(await threadFiles(h, threadTs, /-files\.zip$/)).toHaveLength(1);
    expect(await threadFiles(h, threadTs, /^pipewright-report\.md$/)).toHaveLength(1);

    // Publishing again (a retried summary job) changes nothing and does not fail.
    const tip = gitIn(bare, 'rev-parse', `refs/heads/${branch}`);
    const project = await new ProjectStore(h.redis, keys).get(projectId);
    if (!project) throw new Error('no project');
    const deliverables = new Map<string, Deliverable>();
    for (const stageId of Object.keys(project.stages)) {
      const raw = await h.redis.get(keys.deliverable(projectId, stageId, 1));
      if (raw) deliverables.set(stageId, deliverableSchema.parse(JSON.parse(raw)));
    }
    const publisher = gitBranchPublisher(
      { url, authorName: 'Pipewright', authorEmail: 'pipewright@users.noreply.local', timeoutMs: 30_000 },
      pino({ level: 'silent' }),
    );
    const again = await publisher.publish(project, deliverables);
    expect(again).toEqual({ repo: url, branch, files: 4, commit: tip });
    expect(gitIn(bare, 'rev-parse', `refs/heads/${branch}`)).toBe(tip);
  });

  it('a push that fails is said in the summary, without the credentials, and the run still completes', async () => {
    const url = 'https://deploy-bot:s3cr3t-t0ken@127.0.0.1:9/team/ml.git';
    const h = await startHarness({ DELIVERABLES_GIT_URL: url });
    const { threadTs } = await runWithFiles(h);
    const text = h.threadText(threadTs);
    expect(text).toMatch(
      /Files:\* the push of branch `pipewright\/predict-churn-for-subscribers-and-serve-[0-9a-f]{8}` to https:\/\/127\.0\.0\.1:9\/team\/ml\.git failed: \S/,
    );
    // The archive still goes to the thread.
    await waitFor(async () => (await threadFiles(h, threadTs, /-files\.zip$/))[0], {
      timeoutMs: 15_000,
      message: 'no archive after a failed push',
    });
    const report = await waitFor(async () => (await threadFiles(h, threadTs, /^pipewright-report\.md$/))[0], {
      timeoutMs: 15_000,
      message: 'no report after a failed push',
    });
    const reportText = (await download(h, report.file.id)).toString('utf8');
    for (const shown of [text, reportText, JSON.stringify(h.logs), JSON.stringify(h.slack.calls)]) {
      expect(shown).not.toContain('s3cr3t');
      expect(shown).not.toContain('deploy-bot');
    }
    expect(h.logs.some((l) => l.msg === 'project files could not be pushed; the run goes on')).toBe(true);
  });

  it('a summary made without the model still names the branch the files were pushed to', async () => {
    const bare = bareRepo();
    const url = `file://${bare}`;
    const h = await startHarness({ DELIVERABLES_GIT_URL: url });
    // The project manager never gives a summary that fits its schema, nor in the repair round.
    const { threadTs } = await runWithFiles(h, (req) =>
      promptOf(req).includes('The run has finished') ? { text: 'No summary today.' } : undefined,
    );
    await h.waitForThread(threadTs, /Status: completed/, 20_000);
    const text = h.threadText(threadTs);
    expect(text).toContain('Not checked against the requirements');
    const branch = gitIn(bare, 'for-each-ref', '--format=%(refname:short)');
    expect(branch).toMatch(/^pipewright\//);
    expect(text).toContain(`*Files:* branch \`${branch}\` on ${url} (4 file(s) and INDEX.md, commit`);
  });

  it('an archive Slack refuses does not hold back the report, which still lists the files', async () => {
    const h = await startHarness();
    // The first upload of the run is the archive's.
    h.slack.failNext('files.completeUploadExternal', 'invalid_arguments');
    const { threadTs } = await runWithFiles(h);
    const report = await waitFor(async () => (await threadFiles(h, threadTs, /^pipewright-report\.md$/))[0], {
      timeoutMs: 15_000,
      message: 'no report after the archive was refused',
    });
    expect(await threadFiles(h, threadTs, /-files\.zip$/)).toHaveLength(0);
    const reportText = (await download(h, report.file.id)).toString('utf8');
    expect(reportText).toContain('## Files');
    expect(reportText).not.toContain('- Archive:');
    expect(reportText).toContain('- `tests/test_ingest.py` (python, ');
  });

  it('no files, no archive and no push', async () => {
    const bare = bareRepo();
    const h = await startHarness({ DELIVERABLES_GIT_URL: `file://${bare}` });
    h.model.setResponder(stagesWithoutFiles);
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await waitFor(async () => (await threadFiles(h, threadTs, /^pipewright-report\.md$/))[0], {
      timeoutMs: 15_000,
      message: 'the report was never uploaded',
    });
    expect(await threadFiles(h, threadTs, /-files\.zip$/)).toHaveLength(0);
    expect(h.threadText(threadTs)).not.toContain('Files:');
    expect(gitIn(bare, 'for-each-ref')).toBe('');
  });
});
