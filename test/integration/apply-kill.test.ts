/**
 * SIGKILL of a real `apply --apply` process in the middle of its writes (the server has taken the
 * write, the process never sees the answer), twice, then a resume: every change ends `ok`, every
 * write reached IAM exactly once (the server's log of writes), and IAM is in the planned state.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { applyWorld, driftIam, planFromServer, TOKEN, writeKeys, type ApplyWorld } from '../fixtures/apply-iam.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let w: ApplyWorld;
/** Each round kills the child on the first write of a kind not killed yet. */
let armed = false;
const killed = new Set<string>();
let preexisting = new Set<string>();

function kindOf(method: string, path: string): string | null {
  if (method === 'POST' && path === '/scim/Users') return 'create account';
  if (method === 'PATCH' && path.startsWith('/scim/Groups/')) return 'membership';
  const label = /^\/iam\/account\/([^/]+)\/labels$/.exec(path);
  if (method === 'PUT' && label && preexisting.has(label[1])) return 'label';
  return null;
}
let child: ReturnType<typeof spawn> | null = null;
afterEach(async () => {
  child?.kill('SIGKILL');
  await w?.close();
});

/** Runs apply in a child process; resolves with its exit (null code when killed). */
function applyInChild(planId: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const args = ['--import', 'tsx', 'src/cli.ts', '--db', w.db, 'apply', String(planId), '--apply', '--iam-url', w.server.url, '--retries', '0'];
  child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, IDSYNC_IAM_TOKEN: TOKEN, IDSYNC_CONFIG_DIR: `${w.dir}/config`, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child!.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

describe('apply killed half way', () => {
  it('resumes with the remaining changes only: each change applied exactly once', async () => {
    w = await applyWorld({
      size: 60,
      server: {
        latencyMs: 5,
        onWrite: (write) => {
          const kind = kindOf(write.method, write.path);
          if (armed && kind && !killed.has(kind)) {
            armed = false;
            killed.add(kind);
            child?.kill('SIGKILL');
          }
        },
      },
    });
    preexisting = new Set(w.server.state.users.keys());
    driftIam(w);
    const plan = await planFromServer(w);
    expect((await w.cli('approve', String(plan.planId), '--all')).code).toBe(0);
    const total = plan.changes.length;
    expect(total).toBeGreaterThan(10);

    for (let round = 0; round < 4 && killed.size < 3; round++) {
      armed = true;
      const run = await applyInChild(plan.planId);
      if (run.signal !== 'SIGKILL') break;
    }
    // The killed writes reached IAM; the killed process never saw their answers.
    expect([...killed].sort()).toEqual(['create account', 'label', 'membership']);
    const shownBefore = await w.json('show', String(plan.planId), '--limit', '0');
    const recordedBefore = shownBefore.changes.filter((c: any) => c.result !== null).length;
    expect(recordedBefore).toBeGreaterThan(0);
    expect(recordedBefore).toBeLessThan(total);

    const resume = await w.cli('--json', 'apply', String(plan.planId), '--apply', '--iam-url', w.server.url, '--token-file', w.tokenFile);
    expect(resume.code, resume.stderr).toBe(0);
    expect(JSON.parse(resume.stdout).summary.total).toBe(total - recordedBefore);

    const shown = await w.json('show', String(plan.planId), '--limit', '0');
    expect(shown.changes.map((c: any) => c.result)).toEqual(plan.changes.map(() => 'ok'));
    const keys = writeKeys(w.server);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    const audit = await w.json('audit', '--plan', String(plan.planId));
    expect(audit.entries.filter((e: any) => e.action === 'apply')).toHaveLength(total);
    expect((await planFromServer(w)).changes).toEqual([]);
  }, 240_000);
});
