/**
 * 3. Billed-equivalent input tokens with prompt caching on vs off, over one full run.
 *
 * The Anthropic stand-in always reports zero cache tokens, so this SIMULATES the provider's prompt cache
 * over the real requests Pipewright sends in one run (clarify, plan, 7 stages, summary; gates approved).
 * The rules simulated, as the provider documents them:
 * - content is read in order: system blocks, then message blocks. Each block carrying `cache_control` is
 *   a breakpoint; the prefix up to a breakpoint is cached (a write) only if it is at least the model's
 *   minimum cacheable length (1024 tokens, as for Sonnet); shorter prefixes are never cached;
 * - a request reads the longest prefix, ending at one of its block boundaries up to its last breakpoint,
 *   that the same model cached within the TTL (5 minutes, refreshed by each read);
 * - billing: tokens read from the cache 0.1×; tokens written (from the end of what was read to the last
 *   breakpoint, when that prefix is long enough) 1.25×; everything else, including the structured-output
 *   JSON schema, 1× input.
 * "Caching off" re-prices the same requests as if they carried no `cache_control`: every token at 1×.
 * Tokens are estimated at 4 characters each, as Pipewright's own estimateTokens does.
 * Not modelled: whether the provider keys the cache on the output schema too (if it does, fewer reads).
 */
import {
  benchResponder,
  type ModelCallInfo,
  postMention,
  progress,
  startBenchSystem,
  until,
  watchSlack,
} from './lib.js';

export const CACHE_RULES = {
  minCacheableTokens: 1024,
  ttlMs: 5 * 60_000,
  writeMultiplier: 1.25,
  readMultiplier: 0.1,
  charsPerToken: 4,
} as const;

type CacheRules = { [K in keyof typeof CACHE_RULES]: number } & {
  /** Count the structured-output JSON schema as input tokens (default true). */
  countSchema?: boolean;
};

interface Segment {
  text: string;
  cacheControl: boolean;
}

interface RequestBody {
  model?: unknown;
  system?: unknown;
  messages?: unknown;
  output_config?: { format?: { schema?: unknown } };
}

export interface SimulatedRequest {
  kind: string;
  /** Tokens up to the last cache_control breakpoint (0 without one). */
  prefixTokens: number;
  totalTokens: number;
  /** The structured-output JSON schema's share of totalTokens (billed as input). */
  schemaTokens: number;
  readTokens: number;
  writeTokens: number;
  outcome: 'no_cache_control' | 'below_minimum' | 'write' | 'read' | 'read+write';
  billedOn: number;
  billedOff: number;
}

export interface CacheSimulation {
  billedOn: number;
  billedOff: number;
  ratio: number;
  /** Requests that wrote to the cache (some also read). */
  writes: number;
  /** Requests that read from the cache (some also wrote). */
  reads: number;
  belowMinimum: number;
  readTokens: number;
  writeTokens: number;
  requests: SimulatedRequest[];
}

export interface CachingResult {
  rules: typeof CACHE_RULES;
  requests: number;
  /** The simulation with the real rules. */
  simulated: CacheSimulation;
  largestPrefixTokens: number;
  /** The same requests if there were no minimum length: shows whether the prefixes repeat at all. */
  hypotheticalNoMinimum: Omit<CacheSimulation, 'requests'>;
  /** Sensitivity: the same rules with the output JSON schema not counted as input at all. */
  schemaNotCounted: Omit<CacheSimulation, 'requests'>;
  /** The system blocks of each kind of request, by size in tokens (how the prefix is laid out). */
  systemBlocksTokens: Record<string, number[]>;
  warnings: string[];
}

export async function runCaching(redisUrl: string): Promise<CachingResult> {
  const bench = await startBenchSystem(redisUrl);
  const seen: Array<{ info: ModelCallInfo; body: RequestBody }> = [];
  bench.model.setResponder(
    benchResponder((info, req) => seen.push({ info, body: structuredClone(req.body) as RequestBody })),
  );
  const slack = watchSlack(bench, { approve: true, keep: false });
  const threadTs = `${1_800_200_000}.000100`;
  progress('caching: one full run (clarify, plan, 7 stages, summary), gates approved by the bench');
  const status = await postMention(
    bench.appUrl,
    'build a churn model and serve it behind an API (run-1)',
    threadTs,
  );
  if (status !== 200) throw new Error(`mention answered ${status}`);
  const done = await until(() => slack.threads.get(threadTs)?.reportDoneAt !== undefined, 60_000);
  await bench.close();
  if (!done) throw new Error('caching: the run did not finish within 60 s');

  const ordered = seen.sort((a, b) => a.info.t - b.info.t);
  const label = (i: ModelCallInfo) => (i.kind === 'stage' ? (i.stageId ?? 'stage') : i.kind);
  const input = ordered.map(({ info, body }) => ({ t: info.t, kind: label(info), body }));
  const simulated = simulateCache(input, CACHE_RULES);
  const { requests: _omit, ...hypothetical } = simulateCache(input, {
    ...CACHE_RULES,
    minCacheableTokens: 0,
  });
  const { requests: _omit2, ...schemaNotCounted } = simulateCache(input, {
    ...CACHE_RULES,
    countSchema: false,
  });

  const systemBlocksTokens: Record<string, number[]> = {};
  for (const r of input) {
    const blocks = Array.isArray(r.body.system) ? (r.body.system as Array<{ text?: unknown }>) : [];
    systemBlocksTokens[r.kind] = blocks.map((b) =>
      Math.ceil(String(b.text ?? '').length / CACHE_RULES.charsPerToken),
    );
  }

  return {
    rules: CACHE_RULES,
    requests: input.length,
    simulated,
    largestPrefixTokens: Math.max(0, ...simulated.requests.map((r) => r.prefixTokens)),
    hypotheticalNoMinimum: hypothetical,
    schemaNotCounted,
    systemBlocksTokens,
    warnings: bench.warnings.slice(0, 20),
  };
}

/** The request's content in the order the provider reads it (system, then messages), block by block. */
function segmentsOf(body: RequestBody): Segment[] {
  const out: Segment[] = [];
  const push = (content: unknown) => {
    if (typeof content === 'string') {
      out.push({ text: content, cacheControl: false });
      return;
    }
    if (!Array.isArray(content)) return;
    for (const block of content) {
      if (typeof block !== 'object' || block === null) continue;
      const b = block as { text?: unknown; cache_control?: unknown };
      out.push({
        text: typeof b.text === 'string' ? b.text : JSON.stringify(block),
        cacheControl: b.cache_control !== undefined && b.cache_control !== null,
      });
    }
  };
  push(body.system);
  if (Array.isArray(body.messages)) {
    for (const m of body.messages as Array<{ content?: unknown }>) push(m.content);
  }
  return out;
}

export function simulateCache(
  requests: ReadonlyArray<{ t: number; kind: string; body: RequestBody }>,
  rules: CacheRules,
): CacheSimulation {
  const cache = new Map<string, number>(); // prefix key → last use (ms)
  const tokens = (chars: number) => Math.ceil(chars / rules.charsPerToken);
  const out: SimulatedRequest[] = [];
  for (const r of requests) {
    const segments = segmentsOf(r.body);
    const schemaChars =
      rules.countSchema !== false && r.body.output_config?.format?.schema
        ? JSON.stringify(r.body.output_config.format.schema).length
        : 0;
    const totalTokens = tokens(segments.reduce((n, s) => n + s.text.length, 0) + schemaChars);
    // The prefix ending after block i: its cache key and length.
    const prefixes: Array<{ key: string; tokens: number; breakpoint: boolean }> = [];
    let text = '';
    let key = String(r.body.model);
    for (const s of segments) {
      text += s.text;
      key += `\u0001${s.text}`;
      prefixes.push({ key, tokens: tokens(text.length), breakpoint: s.cacheControl });
    }
    const lastBreakpoint = prefixes.map((p) => p.breakpoint).lastIndexOf(true);
    const prefixTokens = lastBreakpoint >= 0 ? (prefixes[lastBreakpoint]?.tokens ?? 0) : 0;

    let readTokens = 0;
    let writeTokens = 0;
    let outcome: SimulatedRequest['outcome'] = 'no_cache_control';
    if (lastBreakpoint >= 0) {
      // Longest cached, unexpired prefix at a block boundary up to the last breakpoint.
      let readAt = -1;
      for (let i = lastBreakpoint; i >= 0; i--) {
        const lastUse = cache.get((prefixes[i] as { key: string }).key);
        if (lastUse !== undefined && r.t - lastUse <= rules.ttlMs) {
          readAt = i;
          break;
        }
      }
      if (readAt >= 0) {
        readTokens = prefixes[readAt]?.tokens ?? 0;
        cache.set((prefixes[readAt] as { key: string }).key, r.t);
      }
      // Every breakpoint past what was read whose prefix is long enough becomes a cache entry.
      for (let i = readAt + 1; i <= lastBreakpoint; i++) {
        const p = prefixes[i] as { key: string; tokens: number; breakpoint: boolean };
        if (p.breakpoint && p.tokens >= rules.minCacheableTokens) {
          cache.set(p.key, r.t);
          writeTokens = p.tokens - readTokens;
        }
      }
      outcome =
        readTokens > 0 && writeTokens > 0
          ? 'read+write'
          : readTokens > 0
            ? 'read'
            : writeTokens > 0
              ? 'write'
              : 'below_minimum';
    }
    const inputTokens = totalTokens - readTokens - writeTokens;
    const billedOn = inputTokens + readTokens * rules.readMultiplier + writeTokens * rules.writeMultiplier;
    out.push({
      kind: r.kind,
      prefixTokens,
      totalTokens,
      schemaTokens: tokens(schemaChars),
      readTokens,
      writeTokens,
      outcome,
      billedOn: Number(billedOn.toFixed(1)),
      billedOff: totalTokens,
    });
  }
  const billedOn = out.reduce((n, r) => n + r.billedOn, 0);
  const billedOff = out.reduce((n, r) => n + r.billedOff, 0);
  return {
    billedOn: Math.round(billedOn),
    billedOff,
    ratio: Number((billedOn / billedOff).toFixed(3)),
    writes: out.filter((r) => r.writeTokens > 0).length,
    reads: out.filter((r) => r.readTokens > 0).length,
    belowMinimum: out.filter((r) => r.outcome === 'below_minimum').length,
    readTokens: out.reduce((n, r) => n + r.readTokens, 0),
    writeTokens: out.reduce((n, r) => n + r.writeTokens, 0),
    requests: out,
  };
}
