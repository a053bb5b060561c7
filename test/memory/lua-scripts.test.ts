import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadScript } from '../../src/memory/lua.js';

/** Where the loader looks, found from here on its own, so a file the loader cannot see fails below. */
const LUA_DIR = new URL('../../src/memory/lua/', import.meta.url);
const INCLUDES_DIR = new URL('includes/', LUA_DIR);

const luaFiles = (dir: URL) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -'.lua'.length))
    .sort();
const scripts = luaFiles(LUA_DIR);
const includes = luaFiles(INCLUDES_DIR);

/**
 * The header every file opens with (BullMQ's form): what the script does, then `Input:` naming KEYS and
 * ARGV, then `Output:`. Every KEYS[n] and ARGV[n] the code reads by number must be named in it.
 */
function headerProblems(text: string): string[] {
  const m = /^--\[\[\n([\s\S]*?)\n\]\]\n/.exec(text);
  if (!m) return ['does not open with a --[[ … ]] header'];
  const header = m[1] ?? '';
  const body = text.slice(m[0].length);
  const problems: string[] = [];
  const [about = ''] = header.split(/\n\s*Input:/);
  if (about.trim() === '') problems.push('says nothing before Input: about what it does');
  if (!/\n\s*Input:\n/.test(header)) problems.push('has no Input: section');
  if (!/\n\s*Output:\n\s+\S/.test(header)) problems.push('has no Output: section saying what it returns');
  if (!/^\s+KEYS\b/m.test(header)) problems.push('names no KEYS');
  if (!/^\s+ARGV\b/m.test(header)) problems.push('names no ARGV');
  for (const [used] of body.matchAll(/\b(?:KEYS|ARGV)\[\d+\]/g))
    if (!header.includes(used)) problems.push(`reads ${used} without naming it`);
  return [...new Set(problems)];
}

describe('Lua scripts (src/memory/lua)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('finds the scripts and the includes they share', () => {
    expect(scripts).toContain('project-save');
    expect(scripts).toContain('agent-memory-record');
    expect(includes).toContain('agent-memory-prelude');
  });

  it.each(scripts)('%s.lua compiles on Redis (SCRIPT LOAD), its includes expanded', async (name) => {
    const source = loadScript(name);
    expect(source).not.toMatch(/^--- @include/m);
    expect(await redis.script('LOAD', source)).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(includes)('includes/%s.lua compiles on its own', async (name) => {
    const source = readFileSync(new URL(`${name}.lua`, INCLUDES_DIR), 'utf8');
    expect(await redis.script('LOAD', source)).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each([...scripts, ...includes.map((i) => `includes/${i}`)])(
    '%s.lua opens with a header naming its KEYS, ARGV and what it returns',
    (path) => {
      expect(headerProblems(readFileSync(new URL(`${path}.lua`, LUA_DIR), 'utf8'))).toEqual([]);
    },
  );

  it('every include is used by some script', () => {
    const used = new Set(
      scripts.flatMap((name) =>
        [
          ...readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8').matchAll(/^--- @include "([a-z0-9-]+)"/gm),
        ].map((m) => m[1]),
      ),
    );
    expect(includes.filter((i) => !used.has(i))).toEqual([]);
  });

  it('refuses a script that is not there, saying what the build must do', () => {
    expect(() => loadScript('no-such-script')).toThrow(/copy src\/memory\/lua/);
    expect(() => loadScript('../lua')).toThrow(/not a file name/);
  });
});
