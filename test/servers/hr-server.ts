/**
 * A small CERN HR API for tests: `GET /api/VOPersons/<personId>` with HTTP Basic auth, 404 for
 * persons it does not know, a per-person delay for slow answers, and the shared fault injection
 * (a fault's `path` is e.g. `/api/VOPersons/700101`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultList, applyTransportFault, listenLocal, recordRequest, sendJson, type Fault, type RequestRecord } from './faults.js';

export interface HrServerOptions {
  /** VOPerson records as the API gives them. */
  persons: { id: number | string }[];
  user: string;
  password: string;
  /** Person id → milliseconds to wait before answering. */
  delays?: Record<number, number>;
  faults?: Fault[];
}

export interface HrServer {
  url: string;
  requests: RequestRecord[];
  faults: FaultList;
  /** Most requests in flight at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startHrServer(options: HrServerOptions): Promise<HrServer> {
  const byId = new Map(options.persons.map((p) => [String(p.id), p]));
  const requests: RequestRecord[] = [];
  const faults = new FaultList(options.faults);
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  let inFlight = 0;
  const state = { maxInFlight: 0 };

  function route(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const match = /^\/api\/VOPersons\/([^/]+)$/.exec(url.pathname);
    const fault = faults.take(url.pathname, null);
    if (fault && applyTransportFault(fault, req, res, url, () => JSON.stringify(byId.get(match?.[1] ?? '') ?? {}))) return;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="hr"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    const person = match ? byId.get(decodeURIComponent(match[1])) : undefined;
    if (!person) {
      sendJson(res, 404, { message: `no VOPerson ${match?.[1] ?? url.pathname}` });
      return;
    }
    sendJson(res, 200, person);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(recordRequest(req, url));
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const id = Number(/\/(\d+)$/.exec(url.pathname)?.[1]);
    const delay = options.delays?.[id] ?? 0;
    if (delay > 0) setTimeout(() => route(req, res, url), delay);
    else route(req, res, url);
  });
  const { port, close } = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close,
  };
}
