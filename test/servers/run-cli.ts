/**
 * Runs the real command line (src/cli.ts through tsx) as a child process, asynchronously so that
 * test servers in this process keep answering.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/store.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  // An undefined value removes the variable (e.g. a token the test process happens to have).
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...env })) if (v !== undefined) childEnv[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every snapshot in a database with its records ([] when the file does not exist). */
export async function readSnapshots(db: string) {
  if (!existsSync(db)) return [];
  const store = await openStore(db, { readOnly: true });
  try {
    return store.listSnapshots().map((s) => ({ ...s, records: store.readRecords(s.id) }));
  } finally {
    store.close();
  }
}
