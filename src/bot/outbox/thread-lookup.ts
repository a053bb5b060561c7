import type { webApi } from '@slack/bolt';

/** Marks every message we post, so a retry can recognise its own earlier post in the thread. */
const MESSAGE_METADATA_TYPE = 'pipewright_message';

/** The metadata every thread message we post carries (chat.postMessage `metadata`). */
export function messageMetadata(projectId: string, key: string) {
  return { event_type: MESSAGE_METADATA_TYPE, event_payload: { project_id: projectId, key } };
}

/** The ts of the message we posted for `key` in this thread, if Slack has it. */
export async function findPosted(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  projectId: string,
  key: string,
): Promise<string | undefined> {
  let found: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    const meta = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
    if (
      meta?.event_type === MESSAGE_METADATA_TYPE &&
      meta.event_payload?.project_id === projectId &&
      meta.event_payload?.key === key &&
      m.ts
    ) {
      found = m.ts;
    }
    return found !== undefined;
  });
  return found;
}

type ThreadMessage = {
  ts?: string;
  metadata?: unknown;
  files?: Array<{ id?: string; name?: string; permalink?: string }>;
};

/** Walks a thread's messages (metadata included), up to 2,000 of them, until `visit` returns true. */
export async function eachThreadMessage(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  visit: (message: ThreadMessage) => boolean,
): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await client.conversations.replies({
      channel,
      ts: threadTs,
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of res.messages ?? []) if (visit(m)) return;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return;
  }
}
