import { describe, expect, it } from 'vitest';
import { loadConfig, missingCredentials } from '../../src/app/config.js';
import { ConfigError } from '../../src/domain/errors.js';

describe('config', () => {
  it('applies the documented defaults and treats blank as unset', () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: '', PORT: '', APPROVER_IDS: ' U1, ,U2 ' });
    expect(c.port).toBe(3000);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.redis.keyPrefix).toBe('pw');
    expect(c.projectConcurrency).toBe(3);
    expect(c.slack.botToken).toBeUndefined();
    expect(c.approverIds).toEqual(['U1', 'U2']);
    expect(c.channelPace).toEqual({ intervalMs: 1000, burst: 3 });
  });

  it('lets an operator turn channel pacing off, but not make it negative', () => {
    expect(loadConfig({ SLACK_CHANNEL_POST_INTERVAL_MS: '0' }).channelPace.intervalMs).toBe(0);
    expect(() => loadConfig({ SLACK_CHANNEL_POST_INTERVAL_MS: '-5' })).toThrow(
      /SLACK_CHANNEL_POST_INTERVAL_MS/,
    );
    expect(() => loadConfig({ SLACK_CHANNEL_POST_BURST: '0' })).toThrow(/SLACK_CHANNEL_POST_BURST/);
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', SLACK_API_URL: 'not a url' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', SLACK_API_URL: 'not a url' });
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT/);
      expect((err as Error).message).toMatch(/SLACK_API_URL/);
    }
  });

  it('pushes the project files only when DELIVERABLES_GIT_URL is set, as the configured author', () => {
    expect(loadConfig({}).deliverablesGit).toBeUndefined();
    expect(loadConfig({ DELIVERABLES_GIT_URL: 'file:///srv/ml.git' }).deliverablesGit).toEqual({
      url: 'file:///srv/ml.git',
      authorName: 'Pipewright',
      authorEmail: 'pipewright@users.noreply.local',
      timeoutMs: 60_000,
    });
    const custom = loadConfig({
      DELIVERABLES_GIT_URL: 'x',
      DELIVERABLES_GIT_AUTHOR: 'ML Bot <ml@corp.example>',
    });
    expect(custom.deliverablesGit).toMatchObject({ authorName: 'ML Bot', authorEmail: 'ml@corp.example' });
    expect(() => loadConfig({ DELIVERABLES_GIT_AUTHOR: 'no email' })).toThrow(/DELIVERABLES_GIT_AUTHOR/);
    // An option in disguise is refused, and the refusal does not repeat the value (it may hold a token).
    expect(() => loadConfig({ DELIVERABLES_GIT_URL: '--upload-pack=tok3n' })).toThrow(/DELIVERABLES_GIT_URL/);
    expect(() => loadConfig({ DELIVERABLES_GIT_URL: '--upload-pack=tok3n' })).not.toThrow(/tok3n/);
  });

  it('says which credentials each process role needs', () => {
    const c = loadConfig({});
    expect(missingCredentials(c, 'bot').join(' ')).toMatch(/SLACK_BOT_TOKEN.*SLACK_SIGNING_SECRET/);
    expect(missingCredentials(c, 'all')).toHaveLength(2);
  });

  it('needs no model key: without ANTHROPIC_API_KEY the offline model answers', () => {
    const c = loadConfig({});
    expect(missingCredentials(c, 'worker')).toEqual([]);
    expect(missingCredentials(c, 'all').join(' ')).not.toMatch(/ANTHROPIC_API_KEY/);
    expect(c.offlineModel).toEqual({ inUse: true, latencyMs: 1500 });
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-1' }).offlineModel.inUse).toBe(false);
    expect(loadConfig({ ANTHROPIC_API_KEY: '  ' }).offlineModel.inUse).toBe(true);
  });

  it('takes OFFLINE_MODEL_LATENCY_MS, 0 included, and refuses a negative one', () => {
    expect(loadConfig({ OFFLINE_MODEL_LATENCY_MS: '0' }).offlineModel.latencyMs).toBe(0);
    expect(loadConfig({ OFFLINE_MODEL_LATENCY_MS: '250' }).offlineModel.latencyMs).toBe(250);
    expect(() => loadConfig({ OFFLINE_MODEL_LATENCY_MS: '-1' })).toThrow(/OFFLINE_MODEL_LATENCY_MS/);
  });

  it('adds the trailing slash the WebClient needs to SLACK_API_URL', () => {
    expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack.apiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });
});

describe('Socket Mode credentials', () => {
  it('needs no signing secret when an app token is set', () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(missingCredentials(c, 'bot')).toEqual([]);
  });
});
