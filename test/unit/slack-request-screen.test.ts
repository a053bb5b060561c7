import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { MAX_CLOCK_SKEW_SECONDS, screenSignedRequest } from '../../src/bot/request-screen.js';
import { classifySlackBody } from '../../src/bot/slack-body.js';
import { relabelEventlessEnvelope } from '../../src/bot/socket-mode-receiver.js';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const screen = (rawBody: string, contentType: string | undefined = JSON_TYPE, timestampSeconds = NOW_S) =>
  screenSignedRequest({ rawBody, contentType, timestampSeconds, nowMs: NOW_MS });

const mention = JSON.stringify({
  type: 'event_callback',
  team_id: 'T1',
  event_id: 'Ev1',
  event: { type: 'app_mention', user: 'U1', text: 'hi', ts: '1.1', channel: 'C1' },
});

describe('classifySlackBody', () => {
  it('lets through what Bolt can dispatch: events, interactive payloads, slash commands', () => {
    expect(classifySlackBody(JSON.parse(mention))).toEqual({ kind: 'dispatch' });
    expect(classifySlackBody({ type: 'block_actions', actions: [] })).toEqual({ kind: 'dispatch' });
    expect(classifySlackBody({ type: 'view_submission', view: {} })).toEqual({ kind: 'dispatch' });
    expect(classifySlackBody({ command: '/pipewright', text: 'help' })).toEqual({ kind: 'dispatch' });
    expect(classifySlackBody({ type: 'url_verification', challenge: 'c' })).toEqual({ kind: 'dispatch' });
  });

  it('recognises app_rate_limited, which has no inner event', () => {
    expect(
      classifySlackBody({ type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820 }),
    ).toEqual({ kind: 'app_rate_limited', teamId: 'T1', minuteRateLimited: 1518467820 });
    expect(classifySlackBody({ type: 'app_rate_limited' })).toMatchObject({ kind: 'malformed' });
  });

  it('calls malformed whatever Bolt would dereference and trip over', () => {
    for (const body of [
      null,
      undefined,
      [],
      'x',
      42,
      true,
      {},
      { event: null },
      { event: 'x' },
      { event: {} },
    ]) {
      expect(classifySlackBody(body), JSON.stringify(body)).toMatchObject({ kind: 'malformed' });
    }
  });
});

describe('screenSignedRequest', () => {
  it('passes a well-formed event, a click and a slash command', () => {
    expect(screen(mention)).toEqual({ kind: 'pass' });
    expect(screen(mention, 'application/json; charset=utf-8')).toEqual({ kind: 'pass' });
    const click = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: [] }) });
    expect(screen(click.toString(), FORM_TYPE)).toEqual({ kind: 'pass' });
    const command = new URLSearchParams({ command: '/pipewright', text: 'help', user_id: 'U1' });
    expect(screen(command.toString(), FORM_TYPE)).toEqual({ kind: 'pass' });
  });

  it('refuses a timestamp more than five minutes ahead with 401, and leaves the past to Bolt', () => {
    expect(screen(mention, JSON_TYPE, NOW_S + MAX_CLOCK_SKEW_SECONDS + 1)).toMatchObject({
      kind: 'refuse',
      status: 401,
    });
    expect(screen(mention, JSON_TYPE, NOW_S + MAX_CLOCK_SKEW_SECONDS)).toEqual({ kind: 'pass' });
    expect(screen(mention, JSON_TYPE, NOW_S + 4 * 60)).toEqual({ kind: 'pass' });
  });

  it('refuses bodies Bolt cannot dispatch with 400, and content types Slack never sends with 415', () => {
    for (const body of ['null', '[]', '"x"', '7', '{}', 'not json', '{"event":null}']) {
      expect(screen(body), body).toMatchObject({ kind: 'refuse', status: 400 });
    }
    for (const body of ['payload=null', 'payload=%5B%5D', 'payload=%7B', 'payload=1&payload=2', 'a=b']) {
      expect(screen(body, FORM_TYPE), body).toMatchObject({ kind: 'refuse', status: 400 });
    }
    for (const contentType of ['text/plain', 'multipart/form-data; boundary=x']) {
      expect(screen('{}', contentType), contentType).toMatchObject({ kind: 'refuse', status: 415 });
    }
    const noContentType = screenSignedRequest({
      rawBody: '{}',
      contentType: undefined,
      timestampSeconds: NOW_S,
      nowMs: NOW_MS,
    });
    expect(noContentType).toMatchObject({ kind: 'refuse', status: 415 });
  });

  it("passes Slack's unsigned ssl_check to Bolt, whatever its timestamp", () => {
    expect(screen('ssl_check=1', FORM_TYPE, Number.NaN)).toEqual({ kind: 'pass' });
  });
});

describe('relabelEventlessEnvelope', () => {
  it('relabels an events_api envelope without an inner event, and leaves every other message alone', () => {
    const eventless = JSON.stringify({
      envelope_id: 'e1',
      type: 'events_api',
      payload: { type: 'app_rate_limited', team_id: 'T1' },
    });
    const relabelled = JSON.parse(String(relabelEventlessEnvelope(eventless)));
    expect(relabelled).toEqual({ ...JSON.parse(eventless), type: 'events_api_without_event' });

    const normal = JSON.stringify({ envelope_id: 'e2', type: 'events_api', payload: JSON.parse(mention) });
    expect(relabelEventlessEnvelope(normal)).toBe(normal);
    const interactive = JSON.stringify({ envelope_id: 'e3', type: 'interactive', payload: null });
    expect(relabelEventlessEnvelope(interactive)).toBe(interactive);
    expect(relabelEventlessEnvelope('{not json')).toBe('{not json');
    const noPayload = new TextEncoder().encode(JSON.stringify({ envelope_id: 'e4', type: 'events_api' }));
    expect(JSON.parse(String(relabelEventlessEnvelope(noPayload.buffer)))).toMatchObject({
      type: 'events_api_without_event',
    });
  });
});

describe('METRICS_PORT', () => {
  it('is unset by default, and may not be PORT itself', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '' }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(
      /METRICS_PORT: must differ from PORT/,
    );
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });
});
