import { describe, expect, it } from 'vitest';
import { installingTeamOf } from '../../src/bot/listeners/slack-payloads.js';
import { userFactsOf, visibilityOfChannel, visibilityOfChannelType } from '../../src/bot/slack-directory.js';
import { isReadableText, mayCarryToken } from '../../src/bot/slack-files.js';

describe('reading Slack payloads', () => {
  it('takes the installing workspace from authorizations, then context_team_id, then team_id', () => {
    const base = { event_id: 'Ev1', team_id: 'TOTHER' };
    expect(
      installingTeamOf({ ...base, context_team_id: 'TCTX', authorizations: [{ team_id: 'TOURS' }] }),
    ).toBe('TOURS');
    expect(installingTeamOf({ ...base, context_team_id: 'TCTX', authorizations: [{ team_id: null }] })).toBe(
      'TCTX',
    );
    expect(installingTeamOf(base)).toBe('TOTHER');
  });

  it('calls single- and multi-channel guests guests, and only public channels public', () => {
    expect(userFactsOf({ is_restricted: true }).kind).toBe('guest');
    expect(userFactsOf({ is_ultra_restricted: true }).kind).toBe('guest');
    expect(userFactsOf({ team_id: 'T1', is_bot: true })).toEqual({
      kind: 'member',
      teamId: 'T1',
      isBot: true,
    });
    expect(visibilityOfChannel({ is_private: false, is_im: false, is_mpim: false })).toBe('public');
    expect(visibilityOfChannel({ is_mpim: true })).toBe('private');
    expect(['channel', 'group', 'im', 'mpim', undefined].map(visibilityOfChannelType)).toEqual([
      'public',
      'private',
      'private',
      'private',
      undefined,
    ]);
  });

  it('sends the bot token only to Slack hosts, over the API scheme', () => {
    const api = 'https://slack.com/api/';
    expect(mayCarryToken('https://files.slack.com/files-pri/T1-F1/download/a.txt', api)).toBe(true);
    expect(mayCarryToken('https://files.slack.com.evil.example/a.txt', api)).toBe(false);
    expect(mayCarryToken('https://evilslack.com/a.txt', api)).toBe(false);
    expect(mayCarryToken('http://files.slack.com/a.txt', api)).toBe(false);
    expect(mayCarryToken('not a url', api)).toBe(false);
    expect(mayCarryToken('https://files.slack-gov.com/x', 'https://slack-gov.com/api/')).toBe(true);
  });

  it('reads small hosted text files only', () => {
    const file = {
      mimetype: 'text/csv',
      mode: 'hosted',
      size: 10,
      url_private_download: 'https://files.slack.com/x',
    };
    expect(isReadableText(file)).toBe(true);
    expect(isReadableText({ ...file, mimetype: 'application/json; charset=utf-8' })).toBe(true);
    expect(isReadableText({ ...file, mimetype: 'image/png' })).toBe(false);
    expect(isReadableText({ ...file, size: 100_001 })).toBe(false);
    expect(isReadableText({ ...file, mode: 'external' })).toBe(false);
    expect(isReadableText({ ...file, url_private_download: undefined })).toBe(false);
  });
});
