import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../support/matrix.js';
import { adminAuthorization } from '../support/server.js';

/** Resolves with what the server sent once it closes the connection, and when. */
function closed(socket: Socket): Promise<{ data: string; at: number }> {
  let data = '';
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
  });
  return new Promise((resolve) => socket.on('close', () => resolve({ data, at: performance.now() })));
}

async function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

describe('server timeouts', () => {
  const b = useBackend(
    'sqlite',
    'filesystem',
    { 'http.headersTimeoutSeconds': 1, 'http.idleTimeoutSeconds': 2 },
    ['slow'],
  );

  it('closes a connection whose headers trickle in for longer than the header timeout', async () => {
    const socket = await open(b.server.url);
    const done = closed(socket);
    const started = performance.now();
    socket.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n');
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(`X-Slow-${sent++}: still coming\r\n`);
    }, 200);
    try {
      const { data, at } = await done;
      expect(at - started).toBeLessThan(4000);
      expect(data === '' || data.startsWith('HTTP/1.1 408')).toBe(true);
      expect(sent).toBeGreaterThan(3);
    } finally {
      clearInterval(trickle);
    }
  });

  it('lets an upload that keeps moving outlast the idle timeout, and closes one that stalls', async () => {
    const start = await b.client.request('/v2/slow/app/blobs/uploads/', { method: 'POST' });
    const location = start.headers.get('location') as string;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 8;
    const socket = await open(b.server.url);
    const done = closed(socket);
    socket.write(
      `PATCH ${location} HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuthorization}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${chunk.length * chunks}\r\nConnection: close\r\n\r\n`,
    );
    // 8 chunks 600 ms apart: 4.2 s in all, more than twice the idle timeout, but never idle that long.
    for (let i = 0; i < chunks; i++) {
      socket.write(chunk);
      if (i < chunks - 1) await sleep(600);
    }
    const { data } = await done;
    expect(data).toMatch(/^HTTP\/1\.1 202/);
    const digest = `sha256:${createHash('sha256')
      .update(Buffer.concat(Array(chunks).fill(chunk)))
      .digest('hex')}`;
    const put = await b.client.request(`${location}?digest=${digest}`, { method: 'PUT' });
    expect(put.status).toBe(201);

    const again = await b.client.request('/v2/slow/app/blobs/uploads/', { method: 'POST' });
    const stalled = await open(b.server.url);
    const gone = closed(stalled);
    const started = performance.now();
    stalled.write(
      `PATCH ${again.headers.get('location')} HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuthorization}\r\nContent-Length: 1000\r\n\r\n`,
    );
    stalled.write(Buffer.alloc(10));
    const { at } = await gone;
    expect(at - started).toBeGreaterThan(1500);
    expect(at - started).toBeLessThan(6000);
  });
});
