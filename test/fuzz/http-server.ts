/**
 * A local HTTP server whose every answer is decided by the test: the property tests swap in a
 * responder per run and read back how many requests the client made, so that a client which loops
 * on a hostile answer shows up as a request count, not as a test that never ends.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { listenLocal } from '../servers/faults.js';

export type Reply =
  | { status: number; headers?: Record<string, string>; body: string | Uint8Array }
  /** Close the connection without answering. */
  | { drop: true }
  /** Never answer (the client's timeout must end it). */
  | { hang: true };

export interface Asked {
  method: string;
  path: string;
  query: URLSearchParams;
}

export type Responder = (asked: Asked) => Reply;

export interface HostileServer {
  url: string;
  /** Requests since the last `reset`. */
  readonly requests: number;
  /** Requests being answered right now (a finished client call must leave none). */
  readonly inFlight: number;
  reset(responder: Responder): void;
  close(): Promise<void>;
}

export async function startHostileServer(): Promise<HostileServer> {
  let responder: Responder = () => ({ status: 404, body: '' });
  const state = { requests: 0, inFlight: 0 };

  const server = createServer((req: IncomingMessage, res) => {
    state.requests++;
    state.inFlight++;
    res.on('close', () => state.inFlight--);
    const url = new URL(req.url ?? '/', 'http://localhost');
    let reply: Reply;
    try {
      reply = responder({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    } catch (err) {
      // A bug in the test's responder must not look like a client that hangs.
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`responder failed: ${(err as Error).message}`);
      return;
    }
    if ('drop' in reply) {
      req.socket.destroy();
      return;
    }
    if ('hang' in reply) return;
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
    res.writeHead(reply.status, { 'content-length': String(body.length), ...reply.headers });
    res.end(body);
  });
  // Keep-alive sockets of a dropped or hung answer must not outlive the test.
  server.keepAliveTimeout = 1000;
  const { port, close } = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get inFlight() {
      return state.inFlight;
    },
    reset(next: Responder) {
      responder = next;
      state.requests = 0;
    },
    close,
  };
}
