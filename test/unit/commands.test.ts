import { describe, expect, it } from 'vitest';
import { parseThreadCommand } from '../../src/domain/commands.js';

describe('thread commands', () => {
  it.each([
    ['status', { kind: 'status' }],
    ['STATUS', { kind: 'status' }],
    ['<@UBOT> status', { kind: 'status' }],
    ['status picture', { kind: 'status_picture' }],
    ['<@UBOT> Status Picture', { kind: 'status_picture' }],
    ['  Cancel ', { kind: 'cancel' }],
    ['resume!', { kind: 'resume' }],
    ['go', { kind: 'go' }],
    ['Use defaults', { kind: 'go' }],
    ['retry phase1.data-engineer', { kind: 'retry', stage: 'phase1.data-engineer' }],
    ['RETRY Phase2.ML-Engineer', { kind: 'retry', stage: 'phase2.ml-engineer' }],
  ])('reads %j', (text, expected) => {
    expect(parseThreadCommand(text)).toEqual(expected);
  });

  it('treats anything else as an answer, without the mention', () => {
    expect(parseThreadCommand('<@UBOT> the data is in s3, status of it unknown')).toEqual({
      kind: 'text',
      text: 'the data is in s3, status of it unknown',
    });
  });
});
