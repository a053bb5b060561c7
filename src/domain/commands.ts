/** Thread commands of the contract, recognised with or without a mention, case-insensitively. */
export type ThreadCommand =
  | { kind: 'status' }
  /** `status picture`: the picture of the run so far, as a PNG in the thread. */
  | { kind: 'status_picture' }
  | { kind: 'help' }
  | { kind: 'audit' }
  | { kind: 'cancel' }
  | { kind: 'resume' }
  | { kind: 'go' }
  | { kind: 'retry'; stage: string }
  | { kind: 'forget' }
  | { kind: 'memory'; role: string }
  | { kind: 'text'; text: string };

/** Removes user/bot mentions so "@pipewright status" reads as "status". */
export function stripMentions(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseThreadCommand(raw: string): ThreadCommand {
  const text = stripMentions(raw);
  const lower = text.toLowerCase().replace(/[.!?]+$/, '');
  if (lower === 'status') return { kind: 'status' };
  if (lower === 'status picture' || lower === 'picture') return { kind: 'status_picture' };
  if (lower === 'help') return { kind: 'help' };
  if (lower === 'audit') return { kind: 'audit' };
  if (lower === 'cancel') return { kind: 'cancel' };
  if (lower === 'resume') return { kind: 'resume' };
  if (lower === 'go' || lower === 'use defaults' || lower === 'use the defaults' || lower === 'defaults') {
    return { kind: 'go' };
  }
  if (lower === 'forget') return { kind: 'forget' };
  const memory = /^memory\s+(\S+)$/.exec(lower);
  if (memory?.[1]) return { kind: 'memory', role: memory[1] };
  const retry = /^retry\s+(\S+)$/.exec(lower);
  if (retry?.[1]) return { kind: 'retry', stage: retry[1] };
  return { kind: 'text', text };
}
