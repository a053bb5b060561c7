import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server and starts a fresh, empty one on the same port. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 5_000;
const KILL_GRACE_MS = 2_000;
/** What to do when there is no redis-server to start: install one, or point REDIS_URL at a Redis. */
export const REDIS_NOT_FOUND_MESSAGE = [
  'redis-server was not found on PATH. Pipewright keeps everything in Redis; install it, then run the same command again:',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  Fedora/RHEL:    sudo dnf install redis',
  '  macOS:          brew install redis',
  '  Windows:        use WSL2 and the Debian/Ubuntu line above',
  'Or set REDIS_URL to a Redis you already run (redis://host:6379).',
].join('\n');

/** The error a missing redis-server binary raises, so callers can tell it from other failures. */
export class RedisNotFoundError extends Error {
  constructor() {
    super(REDIS_NOT_FOUND_MESSAGE);
    this.name = 'RedisNotFoundError';
  }
}

/** One live redis-server process plus the scratch directory it was given. */
interface RedisProcess {
  child: ChildProcess;
  dir: string;
  exited: Promise<void>;
  output: string[];
  exitCode: number | null | undefined;
}

/**
 * Starts a private redis-server on loopback, on a free port, in a temporary directory that goes with it;
 * nothing is persisted. The playground runs on one when REDIS_URL is not set, and the tests on another.
 */
export async function startRedisServer(opts: { port?: number } = {}): Promise<RunningRedis> {
  const port = opts.port ?? (await findFreePort());
  let current: RedisProcess | undefined = await launch(port);

  const stop = async (): Promise<void> => {
    const proc = current;
    current = undefined;
    if (proc) await terminate(proc);
  };

  return {
    url: `redis://${HOST}:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      current = await launch(port);
    },
  };
}

/** Asks the OS for a port nobody is listening on. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
  return address.port;
}

async function launch(port: number): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-redis-'));
  // biome-ignore format: keeps each flag on one line with its value
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'no',
  ];
  // Its own process group: Ctrl+C in a terminal signals the whole foreground group, and Redis must outlive
  // the app's graceful shutdown (which still writes to it); stop() ends it afterwards.
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc: RedisProcess = { child, dir, output: [], exitCode: undefined, exited: Promise.resolve() };
  const keepOutput = (chunk: Buffer) => {
    proc.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    proc.output.splice(0, Math.max(0, proc.output.length - 20));
  };
  child.stdout?.on('data', keepOutput);
  child.stderr?.on('data', keepOutput);

  // A missing binary surfaces as an 'error' event (ENOENT) instead of an exit.
  let spawnError: Error | undefined;
  proc.exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error.code === 'ENOENT' ? new RedisNotFoundError() : error;
      proc.exitCode = null;
      resolve();
    });
    child.once('exit', (code) => {
      proc.exitCode = code;
      resolve();
    });
  });

  // If the process dies without calling stop(), do not leave a redis-server behind.
  const cleanupOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupOnExit);
  void proc.exited.then(() => process.removeListener('exit', cleanupOnExit));

  const ready = await waitUntilReady(port, proc);
  if (!ready) {
    await terminate(proc);
    if (spawnError) throw spawnError;
    const why = proc.exitCode === undefined ? `no PONG within ${READY_TIMEOUT_MS} ms` : 'it exited';
    throw new Error(`redis-server on port ${port} did not start (${why}):\n${proc.output.join('\n')}`);
  }
  return proc;
}

async function waitUntilReady(port: number, proc: RedisProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== undefined) return false;
    // Another server already on the port would answer too; only our own process counts as ready.
    const pid = await answeringPid(port);
    if (pid !== undefined && pid === proc.child.pid) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

/**
 * Speaks just enough RESP to know a server is serving: `PING` must come back as `+PONG`, and
 * `INFO server` tells which process answered. Undefined while nothing (or nothing ready) answers.
 */
function answeringPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    const finish = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(250, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('PING\r\nINFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.length >= 7 && !reply.startsWith('+PONG\r\n')) return finish(undefined);
      const pid = /process_id:(\d+)\r\n/.exec(reply)?.[1];
      if (pid !== undefined) finish(Number(pid));
    });
  });
}

async function terminate(proc: RedisProcess): Promise<void> {
  if (proc.exitCode === undefined) {
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), KILL_GRACE_MS);
    await proc.exited;
    clearTimeout(timer);
  }
  await rm(proc.dir, { recursive: true, force: true });
}
