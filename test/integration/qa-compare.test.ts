/**
 * QA walkthrough findings about `compare` on the bundled demo VO and a generated one: the summary
 * and the Differences section agree when a DN differs in several fields, and a reader that closes
 * the pipe early (`| head`) ends the run quietly.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVo, writeVo } from '../../bench/generate.js';
import { runMain } from '../fixtures/run-main.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = join(ROOT, 'assets/demo');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qa-compare-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demoArgs = ['compare', '--voms', join(DEMO, 'voms-users.json'), '--iam', join(DEMO, 'iam-users.json'), '--iam-groups', join(DEMO, 'iam-groups.json')];
const cli = (...args: string[]) => runMain(['--db', join(dir, 'demo.sqlite'), ...args], { IDSYNC_CONFIG_DIR: join(dir, 'config') });

describe('compare text', () => {
  it('gives DNs and differences apart when a DN differs in several fields, matching the JSON', async () => {
    const json = await cli('--json', ...demoArgs);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { summary: { differing: number }; differences: { dn: string }[] };
    const dns = new Set(out.differences.map((d) => d.dn)).size;
    expect(out.summary.differing).toBe(dns);
    // The demo VO has a DN that differs in more than one field: the case this test is about.
    expect(out.differences.length).toBeGreaterThan(dns);

    const text = await cli(...demoArgs);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('  differing'))).toMatch(new RegExp(`^  differing +${dns} DNs, ${out.differences.length} differences \\(`));
    expect(lines).toContain(`Differences on ${dns} DNs (${out.differences.length})`);
  });
});

describe('a closed pipe', () => {
  it('`compare --limit 0 | head -1` prints one line, exits 0 and writes nothing on stderr', async () => {
    const files = await writeVo(join(dir, 'vo'), generateVo({ size: 1500, seed: 3, vo: 'demo', experiment: 'DEMO', today: '2025-06-01' }));
    const db = join(dir, 'big.sqlite');
    const cliCommand = (args: string[]) => [process.execPath, '--import', 'tsx', 'src/cli.ts', '--db', db, ...args].map((a) => `'${a}'`).join(' ');
    const command = `set -o pipefail; ${cliCommand(['compare', '--limit', '0', '--voms', files.voms, '--iam', files.iamUsers, '--iam-groups', files.iamGroups])} | head -1`;
    // bash with pipefail: the exit status is the command line's, not head's; a failure rejects.
    const result = await run('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, IDSYNC_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1' } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^VOMS ↔ IAM for demo: \d+ VOMS DNs, \d+ IAM DNs\n$/);
  });
});
