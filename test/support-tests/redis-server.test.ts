import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { RedisNotFoundError, startRedisServer } from '../support/redis-server.js';

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('redis-server helper', () => {
  it('provides the shared server started by globalSetup', async () => {
    const client = new Redis(inject('redisUrl'));
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('starts, restarts empty on the same port, and stops', async () => {
    const redis = await startRedisServer();
    const client = new Redis(redis.url);
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await client.ping()).toBe('PONG');
      await client.set('survives-restart', 'no');
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);

      await redis.restart();
      // The same client reconnects to the same port and finds a fresh, empty server.
      expect(await client.ping()).toBe('PONG');
      expect(await client.get('survives-restart')).toBeNull();
    } finally {
      client.disconnect();
      await redis.stop();
    }
    expect(await refusesConnections(redis.port)).toBe(true);
  });

  it('refuses to report ready when another server holds the port', async () => {
    const first = await startRedisServer();
    try {
      await expect(startRedisServer({ port: first.port })).rejects.toThrow(/did not start \(it exited\)/);
    } finally {
      await first.stop();
    }
  });

  it('explains what to install when redis-server is not on PATH', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'pipewright-no-redis-'));
    const savedPath = process.env.PATH;
    process.env.PATH = emptyDir;
    try {
      const failure = startRedisServer();
      await expect(failure).rejects.toBeInstanceOf(RedisNotFoundError);
      await expect(failure).rejects.toThrow(/sudo apt-get install redis-server/);
      await expect(failure).rejects.toThrow(/brew install redis/);
      await expect(failure).rejects.toThrow(/REDIS_URL/);
    } finally {
      process.env.PATH = savedPath;
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
