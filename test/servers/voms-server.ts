/**
 * A small VOMS Admin for tests: `GET /voms/<vo>/apiv2/users?startIndex=<0-based>&pageSize=<n>` over
 * HTTPS with client-certificate authentication (only certificates issued by the given CA), the
 * `X-VOMS-CSRF-GUARD` header check, and fault injection.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { FaultList, applyTransportFault, listenLocal, recordRequest, sendJson, type Fault, type RequestRecord } from './faults.js';

export interface VomsServerOptions {
  vo: string;
  /** VOMS apiv2 user records (e.g. `generateVo(…).voms.result`). */
  users: unknown[];
  tls: { cert: string; key: string; ca: string };
  /** Slash-form subjects allowed to list users (default: any certificate the CA issued). */
  admins?: string[];
  latencyMs?: number;
  faults?: Fault[];
}

export interface VomsServer {
  /** Up to `/voms/<vo>`, as `--voms-url` takes it. */
  url: string;
  users: unknown[];
  requests: RequestRecord[];
  faults: FaultList;
  close(): Promise<void>;
}

function slashSubject(socket: TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return null;
  // Node gives the RDNs in certificate order as an object; this order is the OpenSSL slash order.
  return Object.entries(cert.subject).map(([k, v]) => `/${k}=${Array.isArray(v) ? v.join(`/${k}=`) : v}`).join('');
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  const n = raw === null ? fallback : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : fallback;
}

export async function startVomsServer(options: VomsServerOptions): Promise<VomsServer> {
  const { vo, users, latencyMs = 0 } = options;
  const requests: RequestRecord[] = [];
  const faults = new FaultList(options.faults);
  const base = `/voms/${vo}`;

  function route(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.replace(/\/+$/, '');
    const isList = path === `${base}/apiv2/users`;
    const startIndex = Math.max(0, intParam(url, 'startIndex', 0));
    const pageSize = Math.max(1, intParam(url, 'pageSize', 100));
    const body = (delta = 0, first = false) => {
      const from = first ? 0 : startIndex;
      return { startIndex: from, pageSize, count: users.length + delta, result: users.slice(from, from + pageSize) };
    };
    const fault = faults.take(path, isList ? startIndex : null);
    if (fault && applyTransportFault(fault, req, res, url, () => JSON.stringify(body()))) return;

    const socket = req.socket as TLSSocket;
    const subject = socket.authorized ? slashSubject(socket) : null;
    if (!subject) {
      sendJson(res, 401, { error: 'a client certificate is required' });
      return;
    }
    if (options.admins && !options.admins.includes(subject)) {
      sendJson(res, 403, { error: `${subject} may not list users` });
      return;
    }
    if (req.headers['x-voms-csrf-guard'] === undefined) {
      sendJson(res, 403, { error: 'CSRF guard header missing' });
      return;
    }
    if (!isList) {
      sendJson(res, 404, { error: `no such resource: ${path}` });
      return;
    }
    sendJson(res, 200, body(fault?.kind === 'totalChange' ? fault.delta : 0, fault?.kind === 'repeatFirstPage'));
  }

  const server: Server = createServer(
    { cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      requests.push(recordRequest(req, url));
      const run = () => route(req, res, url);
      if (latencyMs > 0) setTimeout(run, latencyMs);
      else run();
    },
  );
  const { port, close } = await listenLocal(server);
  return { url: `https://127.0.0.1:${port}${base}`, users, requests, faults, close };
}
