/**
 * Starts test/servers/provision_server.py on a free port of 127.0.0.1 and waits until `ok()`
 * answers. The `control` calls steer its fault injection (see the server's docstring).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResponse, encodeCall, type XmlRpcValue } from '../../src/clients/xmlrpc.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'provision_server.py');

export interface ProvisionServer {
  url: string;
  agent: string;
  /** The password the server expects; a test writes it to a file or env var, never prints it. */
  password: string;
  passwordFile: string;
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue>;
  configure(settings: Record<string, XmlRpcValue>): Promise<void>;
  stats(): Promise<{ calls: Record<string, number>; challengesIssued: number; tokensIssued: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function rpc(url: string, method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: encodeCall(method, params) });
  return decodeResponse(await res.text());
}

export async function startProvisionServer(opts: { agent?: string; password?: string } = {}): Promise<ProvisionServer> {
  const agent = opts.agent ?? 'idsync-test';
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}-secret`;
  const dir = mkdtempSync(join(tmpdir(), 'provision-server-'));
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const child: ChildProcess = spawn('python3', [SCRIPT, '--port', '0', '--agent', agent, '--password-file', passwordFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`provision server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provision server exited with ${code}: ${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}/RPC2`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await rpc(url, 'ok', [])) === 'OK') break;
    } catch (err) {
      if (attempt > 100) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    agent,
    password,
    passwordFile,
    call: (method, ...params) => rpc(url, method, params),
    configure: async (settings) => {
      await rpc(url, 'test.configure', [settings]);
    },
    stats: async () => (await rpc(url, 'test.stats', [])) as never,
    reset: async () => {
      await rpc(url, 'test.reset', []);
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
