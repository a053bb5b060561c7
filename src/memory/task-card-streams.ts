import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { KeySpace } from './keys.js';

/** A stream record outlives any run's live status by far; it only guards against leaks. */
const STREAM_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const taskSchema = z.object({
  type: z.literal('task_update'),
  id: z.string(),
  title: z.string(),
  status: z.enum(['pending', 'in_progress', 'complete', 'error']),
  details: z.string().optional(),
  output: z.string().optional(),
});

export const taskCardStreamSchema = z.object({
  /** The streamed message that shows the project's status. */
  channel: z.string(),
  ts: z.string(),
  /** Still streaming (not stopped by us or found stopped by Slack). */
  live: z.boolean(),
  /** When the last start or append went out (ms): appends are spaced by TASK_CARD_INTERVAL_MS. */
  lastAt: z.number(),
  /** UTF-8 bytes sent to this message so far, against its size cap. */
  bytes: z.number(),
  /** The project revision it shows. */
  revision: z.number(),
  /** What it shows: the plan title and tasks, so the next append sends only what changed. */
  shown: z.object({ title: z.string(), tasks: z.array(taskSchema) }),
});
export type TaskCardStream = z.infer<typeof taskCardStreamSchema>;

/**
 * Where each project's live status streams as task cards (outbox/task-cards.ts), shared by every bot
 * replica. Written only by the outbox job holding the thread's turn, so a plain get and set suffice.
 */
export class TaskCardStreams {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async get(projectId: string): Promise<TaskCardStream | undefined> {
    const raw = await this.redis.get(this.keys.projectTaskCards(projectId));
    if (!raw) return undefined;
    try {
      const parsed = taskCardStreamSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // unreadable: the next write starts a new stream message
    }
  }

  async set(projectId: string, stream: TaskCardStream): Promise<void> {
    await this.redis.set(
      this.keys.projectTaskCards(projectId),
      JSON.stringify(stream),
      'PX',
      STREAM_RECORD_TTL_MS,
    );
  }
}
