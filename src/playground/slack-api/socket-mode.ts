import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * Socket Mode for the Slack stand-in: `apps.connections.open` hands out a single-use `ws://…/link/?ticket=…`
 * URL on the stand-in's own HTTP server; a client that connects gets `hello`, then whatever envelopes a test
 * sends, and acks each one with `{ envelope_id, payload }` as @slack/socket-mode does.
 */

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

export interface SocketAck {
  envelope_id: string;
  /** What the client acked with: @slack/socket-mode always sends an object, `{}` for a bare ack. */
  payload?: unknown;
  at: number;
}

export interface SendEnvelopeOptions {
  /** How long to wait for the ack; 5 s by default. */
  timeoutMs?: number;
  /** `retry_attempt` / `retry_reason` of an events_api envelope, as Slack sets them on redelivery. */
  retryAttempt?: number;
  retryReason?: string;
}

export interface SocketModeEndpoint {
  /** A fresh, single-use WebSocket URL: what `apps.connections.open` answers. */
  openConnection(): string;
  /** Clients connected right now (handshake done, socket open). */
  socketClients(): number;
  /** Every message a client sent back, in order (acks, and anything else that carried an envelope_id). */
  acks: SocketAck[];
  /**
   * Sends an envelope to the most recently connected client; resolves with its ack, rejects when no client is
   * connected or no ack arrives within the timeout.
   */
  sendEnvelope(
    type: EnvelopeType,
    payload: object,
    opts?: SendEnvelopeOptions,
  ): Promise<{ envelope_id: string; ack: unknown }>;
  reset(): void;
  close(): Promise<void>;
}

const LINK_PATH = '/link/';
const APP_ID = 'A0PIPEWRIGHT';
const DEFAULT_ACK_TIMEOUT_MS = 5_000;

/** Serves Socket Mode on `server` (which answers plain HTTP at `origin`) by taking over its upgrades. */
export function attachSocketMode(server: Server, origin: string): SocketModeEndpoint {
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const clients: WebSocket[] = [];
  const acks: SocketAck[] = [];
  /** Envelopes sent and not yet acked: settle with the ack, or with an error when the stand-in closes. */
  const waiting = new Map<string, { acked: (ack: SocketAck) => void; abandon: (reason: Error) => void }>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', origin);
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== LINK_PATH || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.push(ws);
      ws.on('close', () => {
        const index = clients.indexOf(ws);
        if (index >= 0) clients.splice(index, 1);
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const ack = parseAck(String(data));
        if (!ack) return;
        acks.push(ack);
        waiting.get(ack.envelope_id)?.acked(ack);
        waiting.delete(ack.envelope_id);
      });
      ws.send(JSON.stringify(hello(clients.length)));
    });
  });

  const open = () => clients.filter((ws) => ws.readyState === ws.OPEN);

  return {
    openConnection() {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${origin.replace(/^http/, 'ws')}${LINK_PATH}?ticket=${ticket}`;
    },
    socketClients: () => open().length,
    acks,
    sendEnvelope(type, payload, opts = {}) {
      const client = open().at(-1);
      if (!client) {
        return Promise.reject(
          new Error(`Socket Mode stand-in: no client connected to send a ${type} envelope to`),
        );
      }
      const envelope_id = randomUUID();
      const timeoutMs = opts.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelope_id);
          const seen = acks.map((a) => a.envelope_id).join(', ') || 'none';
          reject(
            new Error(
              `Socket Mode stand-in: no ack for ${type} envelope ${envelope_id} within ${timeoutMs} ms (acks received: ${seen})`,
            ),
          );
        }, timeoutMs);
        waiting.set(envelope_id, {
          acked: (ack) => {
            clearTimeout(timer);
            resolve({ envelope_id, ack: ack.payload });
          },
          abandon: (reason) => {
            clearTimeout(timer);
            reject(reason);
          },
        });
        client.send(JSON.stringify(envelope(type, envelope_id, payload, opts)));
      });
    },
    reset() {
      acks.length = 0;
    },
    async close() {
      tickets.clear();
      for (const [id, pending] of waiting) {
        pending.abandon(new Error(`Socket Mode stand-in closed before envelope ${id} was acked`));
      }
      waiting.clear();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** What Slack sends first on every connection; @slack/socket-mode only looks at `type`. */
function hello(numConnections: number): object {
  return {
    type: 'hello',
    num_connections: numConnections,
    debug_info: {
      host: `applink-stand-in-${randomBytes(4).toString('hex')}`,
      build_number: 1,
      approximate_connection_time: 18_060,
    },
    connection_info: { app_id: APP_ID },
  };
}

function envelope(
  type: EnvelopeType,
  envelopeId: string,
  payload: object,
  opts: SendEnvelopeOptions,
): object {
  if (type === 'events_api') {
    return {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: false,
      retry_attempt: opts.retryAttempt ?? 0,
      retry_reason: opts.retryReason ?? '',
    };
  }
  // Slack lets the ack carry a response for slash commands, view submissions and option requests.
  const payloadType = (payload as { type?: unknown }).type;
  const acceptsResponse =
    type === 'slash_commands' || payloadType === 'view_submission' || payloadType === 'block_suggestion';
  return { envelope_id: envelopeId, payload, type, accepts_response_payload: acceptsResponse };
}

function parseAck(text: string): SocketAck | undefined {
  try {
    const message: unknown = JSON.parse(text);
    if (typeof message !== 'object' || message === null) return undefined;
    const { envelope_id, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelope_id !== 'string') return undefined;
    return { envelope_id, ...(payload !== undefined && { payload }), at: Date.now() };
  } catch {
    return undefined;
  }
}
