import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { PipewrightError } from '../domain/errors.js';

/**
 * Every Lua script lives in its own file under `lua/` next to this module (`src/memory/lua/` under tsx,
 * `dist/memory/lua/` once the build has copied them), each opening with a header that names its KEYS, ARGV
 * and what it returns, as BullMQ keeps its commands in `src/commands/*.lua`.
 *
 * Code shared by several scripts lives in `lua/includes/<name>.lua` and is pulled in by a line
 * `--- @include "<name>"` (BullMQ's syntax), expanded where it stands: a shared tail (the thread records'
 * TTL adoption) sits before the script's `return`, which a prelude prepended to every script could not do.
 * The include line is a Lua comment, so an unexpanded file still reads as Lua.
 */
const INCLUDE_LINE = /^--- @include "([a-z0-9-]+)"[ \t]*$/gm;
const SCRIPT_NAME = /^[a-z0-9-]+$/;

const sources = new Map<string, string>();

/**
 * The text of `lua/<name>.lua` with its includes expanded, read from disk once per process: modules call
 * this once, when they load, and keep the string (runScript then sends only its SHA).
 */
export function loadScript(name: string): string {
  let source = sources.get(name);
  if (source === undefined) {
    if (!SCRIPT_NAME.test(name))
      throw scriptError(`Lua script name ${JSON.stringify(name)} is not a file name`);
    source = expandIncludes(readLua(name), []);
    sources.set(name, source);
  }
  return source;
}

function expandIncludes(text: string, including: readonly string[]): string {
  return text.replace(INCLUDE_LINE, (_line, name: string) => {
    if (including.includes(name)) throw scriptError(`Lua include cycle: ${[...including, name].join(' → ')}`);
    return expandIncludes(readLua(`includes/${name}`), [...including, name]).trimEnd();
  });
}

function readLua(path: string): string {
  const url = new URL(`./lua/${path}.lua`, import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (err) {
    throw scriptError(
      `Lua script ${url.pathname} cannot be read: the build must copy src/memory/lua next to the compiled memory modules`,
      err,
    );
  }
}

function scriptError(message: string, cause?: unknown): PipewrightError {
  return new PipewrightError('unexpected', message, { fault: 'system', retryable: false, cause });
}

const shas = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA), sending the body only the first time a server lacks it
 * (NOSCRIPT, e.g. after a restart). Large scripts run on every model call; this keeps them off the wire.
 */
export async function runScript(
  redis: Redis,
  script: string,
  numKeys: number,
  ...args: Array<string | number>
): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, numKeys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
      return redis.eval(script, numKeys, ...args);
    throw err;
  }
}
