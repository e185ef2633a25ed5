import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts the requests each connection of `server` is answering, so that a shutdown can end every
 * kept-alive connection that is answering none at once, and each of the others as its last response
 * ends. Node's own idle detection (server.close() → closeIdleConnections) misses some: after a
 * request with a large body, a kept-alive connection can stay open until the shutdown timeout.
 * Returns the function that starts the drain.
 */
export function trackConnections(server: Server): () => void {
  const answering = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    answering.set(socket, 0);
    socket.once('close', () => answering.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      answering.set(socket, left);
      if (draining && left === 0) socket.end();
    });
  });
  return () => {
    draining = true;
    for (const [socket, left] of answering) if (left === 0) socket.end();
  };
}
