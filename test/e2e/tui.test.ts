/**
 * The TUI in a real terminal (tmux): what an admin sees and types, end to end, on the built CLI.
 * The screens are read back with capture-pane; every step waits for its text with a deadline.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, Terminal, type TerminalOptions } from './tmux.js';

let terminal: Terminal | null = null;
afterEach(() => {
  terminal?.close();
  terminal = null;
});

function open(args: string[], options: TerminalOptions = {}): Terminal {
  terminal = new Terminal().start(args, options);
  return terminal;
}

/** A database of the demo dumps (plus any others), made with the headless commands. */
function prepareDb(imports: [string, string][]): { db: string; dir: string; cli: (...args: string[]) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'idsync-e2e-'));
  const db = path.join(dir, 'idsync.sqlite');
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [CLI, '--db', db, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, IDSYNC_CONFIG_DIR: dir, NO_COLOR: '1' }, timeout: 120_000 });
  for (const [kind, file] of imports) cli('import', kind, file);
  return { db, dir, cli };
}

const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[› ]\s+\d+ /.test(l));

// SGR parameters that set a colour (39 and 49, "default colour", are resets and allowed).
function colourCodes(screen: string): string[] {
  const found: string[] = [];
  for (const m of screen.matchAll(/\x1b\[([0-9;:]*)m/g)) {
    const params = m[1].split(/[;:]/).map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (p === 38 || p === 48) {
        found.push(m[0]);
        break;
      }
      if ((p >= 30 && p <= 37) || (p >= 40 && p <= 47) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) found.push(m[0]);
    }
  }
  return found;
}

describe('idsync-tui --demo in a terminal', () => {
  it('navigates, filters, opens a detail, follows a resize and quits', async () => {
    const t = open(['--demo'], { width: 120, height: 36 });
    await t.waitFor((s) => s.includes('[Overview]') && s.includes('Sources') && s.includes('q quit'));

    t.keys('Tab');
    const users = await t.waitFor(/\[Users\][\s\S]*Users 1–\d+ of \d+/);
    const total = Number(/Users 1–\d+ of (\d+)/.exec(users)![1]);
    const first = rowsOf(users);
    expect(first.length).toBeGreaterThan(5);
    expect(first[0].startsWith('›')).toBe(true);

    // Two rows down: the cursor sits on the third row of the list.
    const third = /^[› ]\s+(\d+) /.exec(first[2])![1];
    t.keys('j', 'j');
    await t.waitFor(new RegExp(`^›\\s+${third} `, 'm'));

    t.keys('/');
    t.type('Okafor');
    t.keys('Enter');
    const filtered = await t.waitFor(new RegExp(`filter "Okafor"[\\s\\S]*Okafor`));
    const shown = rowsOf(filtered);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((row) => row.includes('Okafor'))).toBe(true);
    expect(Number(/Users 1–\d+ of (\d+) \(of \d+\)/.exec(filtered)![1])).toBeLessThan(total);

    t.keys('Enter');
    const detail = await t.waitFor(/VOMS user \d+: \S+ Okafor/);
    expect(detail).toMatch(/certificates \(\d+\)/);
    expect(detail).toMatch(/│ IAM/);

    t.keys('Escape');
    await t.waitFor('filter "Okafor"');
    t.keys('Escape');
    await t.waitFor((s) => !s.includes('filter "Okafor"') && new RegExp(`Users 1–\\d+ of ${total}\\b`).test(s));

    t.keys('?');
    await t.waitFor(/help/i);
    t.keys('Escape');
    // The tab line shows [Users] under the help too: wait for the list itself to be back.
    const back = await t.waitFor((s) => /\[Users\]/.test(s) && /Users 1–\d+ of/.test(s));

    // A smaller terminal: the list pages by the new height, and no line outgrows the width.
    const before = Number(/Users 1–(\d+) of/.exec(back)![1]);
    t.resize(80, 20);
    const after = await t.waitFor((s) => {
      const m = /Users 1–(\d+) of/.exec(s);
      return !!m && Number(m[1]) < before;
    });
    expect(after).toContain('[Users]');
    expect(after.split('\n').every((line) => line.length <= 80)).toBe(true);

    t.keys('q');
    await t.waitFor('[exit 0]');
  });

  it('NO_COLOR and --no-color draw without colour escapes; without them the screen has colour', async () => {
    const coloured = open(['--demo'], { env: { NO_COLOR: null, FORCE_COLOR: null } });
    const withColour = await coloured.waitFor('q quit', 45_000, true);
    expect(colourCodes(withColour).length).toBeGreaterThan(0);
    coloured.keys('q');
    await coloured.waitFor('[exit 0]');
    coloured.close();

    for (const options of [{ args: ['--demo'], env: { NO_COLOR: '1', FORCE_COLOR: null } }, { args: ['--demo', '--no-color'], env: { NO_COLOR: null, FORCE_COLOR: null } }]) {
      const plain = open(options.args, { env: options.env });
      const screen = await plain.waitFor('q quit', 45_000, true);
      expect(colourCodes(screen), options.args.join(' ')).toEqual([]);
      plain.keys('Tab');
      expect(colourCodes(await plain.waitFor(/Users 1–\d+/, 45_000, true))).toEqual([]);
      plain.keys('q');
      await plain.waitFor('[exit 0]');
      plain.close();
    }
  });

  it('without a terminal the TUI exits with one clear line, and no database is touched', () => {
    for (const args of [['--demo'], []]) {
      const dir = mkdtempSync(path.join(tmpdir(), 'idsync-e2e-notty-'));
      const run = spawnSync(process.execPath, [CLI, ...args], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, CI: 'false', IDSYNC_DB: path.join(dir, 'never.sqlite'), IDSYNC_CONFIG_DIR: dir },
      });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('idsync-tui: the TUI needs a terminal; use a headless command (see --help) in scripts\n');
      expect(() => readFileSync(path.join(dir, 'never.sqlite'))).toThrow();
    }
  });
});

describe('plans and hostile names in a terminal', () => {
  it('reviews a stored plan: opens it, narrows it to inserts, approves them, and the decisions are in the database', async () => {
    const { db, cli } = prepareDb([['voms', 'assets/demo/voms-users.json'], ['iam', 'assets/demo/iam-users.json'], ['iam', 'assets/demo/iam-groups.json']]);
    const plan = JSON.parse(cli('plan', 'iam', '--json')) as { planId: number; summary: { insert: number } };
    expect(plan.summary.insert).toBeGreaterThan(0);

    const t = open(['--db', db]);
    await t.waitFor('[Overview]');
    t.keys(':');
    t.type('plan');
    t.keys('Enter');
    await t.waitFor(new RegExp(`#${plan.planId}\\s.*pending \\d+ · approved 0`));
    // The first row is the "IAM plans" heading; the plan is under it.
    t.keys('j');
    await t.waitFor(new RegExp(`^›\\s+#${plan.planId}\\s`, 'm'));
    t.keys('Enter');
    await t.waitFor(new RegExp(`Plan #${plan.planId} · iam[\\s\\S]*kind all · op all`));
    t.keys('o');
    const inserts = await t.waitFor(/op insert · .* (\d+) in view/);
    const inView = Number(/op insert · .* (\d+) in view/.exec(inserts)![1]);
    expect(inView).toBe(plan.summary.insert);
    t.keys('a');
    await t.waitFor(new RegExp(`approved ${inView} `));
    t.keys('q');
    await t.waitFor('[exit 0]');

    const stored = JSON.parse(cli('show', String(plan.planId), '--json')) as { changes: { op: string; decision: string }[] };
    const approved = stored.changes.filter((c) => c.decision === 'approved');
    expect(approved.length).toBe(inView);
    expect(approved.every((c) => c.op === 'insert')).toBe(true);
  });

  it('names and DNs holding terminal escape sequences are shown escaped, never obeyed', async () => {
    const dump = JSON.parse(readFileSync(path.join(ROOT, 'assets/demo/voms-users.json'), 'utf8')) as { result: Record<string, unknown>[] };
    const victim = dump.result[0];
    victim.name = 'Evil\u001b]2;PWNED\u0007\u001b[2J\u001b[H';
    victim.surname = '\u001b[31mRed\u001b[0m\u009b7m';
    const dir = mkdtempSync(path.join(tmpdir(), 'idsync-e2e-hostile-'));
    const file = path.join(dir, 'voms-hostile.json');
    writeFileSync(file, JSON.stringify(dump));
    const { db } = prepareDb([['voms', file]]);

    const t = open(['--db', db]);
    await t.waitFor('[Overview]');
    t.keys('Tab');
    const screen = await t.waitFor(/Users 1–\d+ of \d+[\s\S]*Evil/);
    const title = execFileSync('tmux', ['-L', t.socket, 'display-message', '-p', '-t', 'e2e', '#{pane_title}'], { encoding: 'utf8' });
    expect(title).not.toContain('PWNED');
    // ESC[2J would have cleared the header, ESC[31m coloured what follows.
    expect(screen).toContain('idsync-tui');
    expect(screen).toContain('[Users]');
    expect(colourCodes(t.screen(true)).filter((c) => c === '\x1b[31m')).toEqual([]);
    t.keys('Enter');
    await t.waitFor(/VOMS user \d+: Evil/);
    expect(t.screen()).toContain('idsync-tui');
    t.keys('q');
    await t.waitFor('[exit 0]');
  });
});
