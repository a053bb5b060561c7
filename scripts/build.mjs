// `npm run build [-- --outDir <dir>]`: compiles src/ to dist/ (or <dir>) with tsc (tsconfig.build.json: ES modules,
// source maps) and copies every other file under src/ (the Lua scripts) to the same relative place, since
// modules read them next to themselves (`new URL('./lua/x.lua', import.meta.url)`). The output directory is
// emptied first, so nothing moved or deleted in src/ lingers in it. Plain Node: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const { values } = parseArgs({ options: { outDir: { type: 'string', default: 'dist' } } });
const outDir = resolve(ROOT, values.outDir);
const within = (dir, parent) => {
  const r = relative(parent, dir);
  return r === '' || (r.split(sep)[0] !== '..' && !isAbsolute(r));
};
// Never empty the checkout, or anything in src/.
if (within(ROOT, outDir) || within(outDir, SRC)) {
  console.error(`refusing to build into ${outDir}: it holds the sources`);
  process.exit(2);
}

rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(
  process.execPath,
  [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir],
  {
    stdio: 'inherit',
  },
);
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const assets = readdirSync(SRC, { recursive: true, withFileTypes: true }).filter(
  (e) => e.isFile() && !e.name.endsWith('.ts') && !e.name.startsWith('.'),
);
for (const e of assets) {
  const from = join(e.parentPath, e.name);
  cpSync(from, join(outDir, relative(SRC, from)));
}
console.error(
  `built ${relative(ROOT, outDir) || outDir}${sep} (${assets.length} asset${assets.length === 1 ? '' : 's'} copied)`,
);
