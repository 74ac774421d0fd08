/**
 * Fault injection shared by the test servers: a list of faults, each firing on requests whose path
 * starts with `path` (and, when given, whose paging index matches) for `times` requests.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind =
  /** Answer with this status (and Retry-After when given) and a small JSON body. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** 200 with an HTML login page. */
  | { kind: 'html' }
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Send the headers and half of the body, then close. */
  | { kind: 'truncate' }
  /** Never answer. */
  | { kind: 'hang' }
  /** 302 to the same path on another base URL. */
  | { kind: 'redirect'; to: string }
  /** Serve the page, but say the total is `delta` more than it is (as if accounts changed mid-fetch). */
  | { kind: 'totalChange'; delta: number }
  /** Serve the first page whatever was asked. */
  | { kind: 'repeatFirstPage' };

export interface Fault {
  path: string;
  /** Only requests for this paging index (SCIM `startIndex`, VOMS `startIndex`). */
  startIndex?: number;
  /** How many matching requests it fires for (default 1; Infinity for always). */
  times?: number;
  fault: FaultKind;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export class FaultList {
  private readonly faults: { fault: Fault; left: number }[];
  constructor(faults: Fault[] = []) {
    this.faults = faults.map((fault) => ({ fault, left: fault.times ?? 1 }));
  }

  add(fault: Fault): void {
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  /** The fault to apply to this request, counting it down; null for none. */
  take(path: string, startIndex: number | null): FaultKind | null {
    for (const entry of this.faults) {
      const { fault } = entry;
      if (entry.left <= 0 || !path.startsWith(fault.path)) continue;
      if (fault.startIndex !== undefined && fault.startIndex !== startIndex) continue;
      entry.left -= 1;
      return fault.fault;
    }
    return null;
  }
}

export function recordRequest(req: IncomingMessage, url: URL): RequestRecord {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    authorization: req.headers.authorization,
    headers: { ...req.headers },
  };
}

export function sendJson(res: ServerResponse, status: number, value: unknown, contentType = 'application/json'): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Applies a fault that replaces the answer. Returns true when the request is dealt with; the
 * faults that only change the content (`totalChange`, `repeatFirstPage`) are left to the server.
 */
export function applyTransportFault(fault: FaultKind, req: IncomingMessage, res: ServerResponse, url: URL, body: () => string): boolean {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end(JSON.stringify({ status: String(fault.status), detail: `injected fault ${fault.status}` }));
      return true;
    }
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body><form>Sign in</form></body></html>');
      return true;
    case 'drop':
      req.socket.destroy();
      return true;
    case 'truncate': {
      const text = body();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => req.socket.destroy(), 20);
      return true;
    }
    case 'hang':
      return true;
    case 'redirect':
      res.writeHead(302, { location: `${fault.to.replace(/\/+$/, '')}${url.pathname}${url.search}` });
      res.end();
      return true;
    default:
      return false;
  }
}

/** Listens on a free port of 127.0.0.1; `close` also ends connections left hanging by faults. */
export async function listenLocal(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port, close };
}
