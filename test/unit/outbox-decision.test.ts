import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideWrite,
  type KnownMessage,
  type LookedUp,
  type WriteEffect,
} from '../../src/bot/outbox/decide.js';

const POST: WriteEffect = { mode: 'post' };
const UPSERT: WriteEffect = { mode: 'upsert' };

/** Nothing recorded for the key: what the thread-message store answers for a message never written. */
const NOTHING: KnownMessage = { revision: -1, pending: false, wanted: -1, replied: false };
const known = (over: Partial<KnownMessage>): KnownMessage => ({ ...NOTHING, ...over });

describe('the outbox decides, from what the store knows, how to write a thread message', () => {
  it('posts a message never written, in either mode', () => {
    expect(decideWrite(NOTHING, POST, 3)).toEqual({ action: 'post' });
    expect(decideWrite(NOTHING, UPSERT, 3)).toEqual({ action: 'post' });
  });

  it('skips a reply already in the thread, whatever else is known', () => {
    expect(decideWrite(known({ replied: true }), POST, 3)).toEqual({ action: 'skip', reason: 'replied' });
    const everything = known({ replied: true, pending: true, ts: '1.1', revision: 1, wanted: 9 });
    expect(decideWrite(everything, UPSERT, 3)).toEqual({ action: 'skip', reason: 'replied' });
    expect(decideWrite(everything, UPSERT, 3, { ts: '2.2' })).toEqual({ action: 'skip', reason: 'replied' });
  });

  it('skips an upsert older than the newest revision wanted: the newer render queued behind it speaks', () => {
    expect(decideWrite(known({ wanted: 5 }), UPSERT, 4)).toEqual({ action: 'skip', reason: 'newer_queued' });
    expect(decideWrite(known({ ts: '1.1', revision: 2, wanted: 5 }), UPSERT, 4)).toEqual({
      action: 'skip',
      reason: 'newer_queued',
    });
    // Even before looking for an interrupted post: the newer render will look for it.
    expect(decideWrite(known({ pending: true, wanted: 5 }), UPSERT, 4)).toEqual({
      action: 'skip',
      reason: 'newer_queued',
    });
  });

  it('lets the newest wanted revision itself through, and ignores `wanted` for a post', () => {
    expect(decideWrite(known({ ts: '1.1', revision: 2, wanted: 5 }), UPSERT, 5)).toEqual({
      action: 'edit',
      ts: '1.1',
    });
    expect(decideWrite(known({ wanted: 5 }), POST, 4)).toEqual({ action: 'post' });
  });

  it('skips a post whose key is already recorded, even from a newer revision', () => {
    expect(decideWrite(known({ ts: '1.1', revision: 2 }), POST, 2)).toEqual({
      action: 'skip',
      reason: 'shown',
    });
    expect(decideWrite(known({ ts: '1.1', revision: 2 }), POST, 7)).toEqual({
      action: 'skip',
      reason: 'shown',
    });
  });

  it('skips an upsert no newer than the revision last shown', () => {
    expect(decideWrite(known({ ts: '1.1', revision: 4 }), UPSERT, 3)).toEqual({
      action: 'skip',
      reason: 'shown',
    });
    expect(decideWrite(known({ ts: '1.1', revision: 4 }), UPSERT, 4)).toEqual({
      action: 'skip',
      reason: 'shown',
    });
  });

  it('edits a recorded message in place for a newer upsert', () => {
    expect(decideWrite(known({ ts: '1.1', revision: 4 }), UPSERT, 5)).toEqual({ action: 'edit', ts: '1.1' });
  });

  it('trusts a recorded ts over a pending mark: no look-up', () => {
    const pendingWithTs = known({ ts: '1.1', revision: 4, pending: true });
    expect(decideWrite(pendingWithTs, POST, 5)).toEqual({ action: 'skip', reason: 'shown' });
    expect(decideWrite(pendingWithTs, UPSERT, 4)).toEqual({ action: 'skip', reason: 'shown' });
    expect(decideWrite(pendingWithTs, UPSERT, 5)).toEqual({ action: 'edit', ts: '1.1' });
  });

  it('looks in the thread first for a post that was interrupted, in either mode', () => {
    expect(decideWrite(known({ pending: true }), POST, 3)).toEqual({ action: 'lookup' });
    expect(decideWrite(known({ pending: true }), UPSERT, 3)).toEqual({ action: 'lookup' });
  });

  it('records an interrupted post found in the thread, at the revision already known, and writes nothing', () => {
    expect(decideWrite(known({ pending: true }), POST, 3, { ts: '2.2' })).toEqual({
      action: 'record',
      ts: '2.2',
      revision: -1,
    });
    expect(decideWrite(known({ pending: true, revision: 3 }), UPSERT, 3, { ts: '2.2' })).toEqual({
      action: 'record',
      ts: '2.2',
      revision: 3,
    });
  });

  it('edits an interrupted upsert found in the thread when this render is newer', () => {
    expect(decideWrite(known({ pending: true }), UPSERT, 3, { ts: '2.2' })).toEqual({
      action: 'edit',
      ts: '2.2',
    });
  });

  it('posts when the look-up found nothing', () => {
    expect(decideWrite(known({ pending: true }), POST, 3, {})).toEqual({ action: 'post' });
    expect(decideWrite(known({ pending: true }), UPSERT, 3, {})).toEqual({ action: 'post' });
  });
});

describe('the decision holds for every state', () => {
  const revision = fc.integer({ min: -1, max: 6 });
  const state = fc.record({
    known: fc.record(
      {
        ts: fc.constantFrom('1.1', '3.3'),
        revision,
        pending: fc.boolean(),
        wanted: revision,
        replied: fc.boolean(),
      },
      { requiredKeys: ['revision', 'pending', 'wanted', 'replied'] },
    ),
    effect: fc.constantFrom(POST, UPSERT),
    revision,
    lookedUp: fc.option(fc.record({ ts: fc.constant('2.2') }, { requiredKeys: [] }), { nil: undefined }),
  });
  /** Before a look-up, or with what it found. */
  const decideIn = (s: {
    known: KnownMessage;
    effect: WriteEffect;
    revision: number;
    lookedUp?: LookedUp;
  }) =>
    s.lookedUp
      ? decideWrite(s.known, s.effect, s.revision, s.lookedUp)
      : decideWrite(s.known, s.effect, s.revision);

  it('asks for a look-up only without a ts, with a pending post, and never twice', () => {
    fc.assert(
      fc.property(state, (s) => {
        const { known: k, lookedUp } = s;
        const d = decideIn(s);
        if (d.action === 'lookup') {
          expect(lookedUp).toBeUndefined();
          expect(k.ts).toBeUndefined();
          expect(k.pending).toBe(true);
        }
      }),
    );
  });

  it('never posts over a recorded ts, and edits only a newer upsert that is the newest wanted', () => {
    fc.assert(
      fc.property(state, (s) => {
        const { known: k, effect, revision: r, lookedUp } = s;
        const d = decideIn(s);
        if (k.ts) expect(d.action).not.toBe('post');
        if (d.action === 'edit') {
          expect(effect.mode).toBe('upsert');
          expect(r).toBeGreaterThan(k.revision);
          expect(r).toBeGreaterThanOrEqual(k.wanted);
          expect(d.ts).toBe(k.ts ?? lookedUp?.ts);
        }
        if (d.action === 'record') expect(k.ts).toBeUndefined();
        if (k.replied) expect(d).toEqual({ action: 'skip', reason: 'replied' });
      }),
    );
  });
});
