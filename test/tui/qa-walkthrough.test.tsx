/**
 * What a walk through the TUI in a real terminal (tmux, 80×24 and 200×50, on the demo VO and on a
 * database holding IAM, DIRAC and HR plans) found wrong, each pinned by the frame an admin sees.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { linked } from '../unit/hr-fixtures.js';
import { idLabel } from '../unit/plan-iam-fixtures.js';
import { KEYS, dataOf, iamUser, renderTui, vomsUser } from './helpers.js';
import { SLOW, tempStore, until, type TempStore } from './plan-kit.js';

let temp: TempStore | null = null;
afterEach(() => {
  cleanup();
  temp?.dispose();
  temp = null;
});

describe('the same people as `compare`', () => {
  // Demo VO: VOMS 340 has the email of IAM account dhorvat, which is labelled for VOMS 341.
  const data = () =>
    dataOf({
      voms: [vomsUser(1, { email: 'shared@example.org' }), vomsUser(2, { email: 'SHARED@example.org' })],
      iamUsers: [iamUser('acc2', { emails: [{ value: 'shared@example.org', type: 'work', primary: true }], labels: [idLabel(2, 'nebula')] })],
      snapshots: { 'iam-users': { id: 2, source: 'iam-users', vo: 'nebula', origin: 'iam.json', sha256: '', recordCount: 1, createdAt: '2024-01-01T00:00:00.000Z' } },
    });

  it('an account labelled for another VOMS user is not this one’s because of a shared email', async () => {
    const tui = await renderTui({ data: data(), initialScreen: 'emails' });
    const f = await tui.waitFor((x) => x.includes('VOMS 2'), 'the shared email');
    expect(f).toMatch(/VOMS 1 .*\(not in IAM\)/);
    expect(f).toMatch(/VOMS 2 .*\(IAM acc2\)/);
  });

  it('the Overview counts the VOMS users without an account as `compare` does', async () => {
    const tui = await renderTui({ data: data(), rows: 40 });
    expect(await tui.waitFor((x) => x.includes('Problems'), 'the overview')).toContain('1 VOMS user(s) without an IAM account');
  });
});

describe('the status bar and help say what the keys do', () => {
  const lastLine = (f: string) => f.split('\n').at(-1) ?? '';

  it('keeps `? help` and `q quit` on an 80-column bar that cannot hold every key, and marks the cut', async () => {
    const tui = await renderTui({ data: dataOf({ voms: [vomsUser(1)] }), initialScreen: 'users' });
    const bar = lastLine(await tui.waitFor((x) => x.includes('[Users]'), 'the Users screen'));
    expect(bar.length).toBeLessThanOrEqual(80);
    expect(bar).toContain('? help');
    expect(bar).toContain('q quit');
    expect(bar).toContain('…');
    expect(bar).toContain('/ filter');
    expect(bar).not.toMatch(/[a-z][A-Z]/); // words, not action names like nextScreen
  });

  it('offers enter only where a row opens, and help lists no key that does nothing', async () => {
    const tui = await renderTui({ data: dataOf({ voms: [vomsUser(1)] }), columns: 120, rows: 40 });
    expect(lastLine(tui.frame())).not.toContain('enter');
    await tui.press(KEYS.tab);
    expect(lastLine(await tui.waitFor((x) => x.includes('[Users]'), 'Users'))).toContain('enter open');
    await tui.press('?');
    const help = await tui.waitFor((x) => x.includes('Keys —'), 'the help');
    expect(help).not.toContain('select / toggle');
    expect(help).not.toMatch(/enter +open the row +everywhere/);
    expect(lastLine(help)).toContain('close help');
    expect(lastLine(help)).not.toContain('tab');
  });
});

describe('the person detail on an 80-column terminal', () => {
  it('keeps VOMS beside IAM and puts HR below, instead of four columns too narrow to read', async () => {
    const data = dataOf({
      voms: [vomsUser(1, { cernHrId: 700001, institution: 'Example University of Somewhere' })],
      iamUsers: [iamUser('acc1', { labels: [idLabel(1, 'nebula')] })],
      hr: [{ id: 700001, name: 'Family1', firstName: 'Given1', email: 'user1@example.org', participations: [] }],
    });
    const tui = await renderTui({ data, initialScreen: 'users', rows: 60 });
    await tui.press(KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('VOMS user 1'), 'the detail');
    expect(f).toMatch(/^VOMS +│ IAM$/m);
    expect(f).toMatch(/^HR$/m);
    expect(f).toContain('institution Example University of');
    expect(f).toContain('created 2020-01-01 00:00');
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('the HR account detail', () => {
  it('wraps the reason instead of cutting it, and the bar offers the scrolling that works', async () => {
    const data = dataOf({ iamUsers: [linked('acc-error', 700003, { userName: 'cerror' })], hr: [] });
    const tui = await renderTui({ data, initialScreen: 'hr' });
    await tui.waitFor((x) => x.includes('cerror'), 'the account');
    await tui.press('j', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('Decision  ERROR'), 'the detail');
    expect(f).toContain('by hand');
    expect(f.split('\n').at(-1)).toContain('j/↓ down');
  });

  it('says when more of the detail is below, and scrolls to it', async () => {
    const data = dataOf({ iamUsers: [linked('acc-error', 700003, { userName: 'cerror' })], hr: [] });
    const tui = await renderTui({ data, initialScreen: 'hr', rows: 16 });
    await tui.waitFor((x) => x.includes('cerror'), 'the account');
    await tui.press('j', KEYS.enter);
    expect(await tui.waitFor((x) => x.includes('Decision  ERROR'), 'the detail')).toMatch(/↓ \d+ more lines/);
    await tui.press('G');
    const end = await tui.waitFor((x) => x.includes('(no participations in HR)'), 'the end of the detail');
    expect(end).not.toContain('more lines');
  });
});

describe('the list of plans', () => {
  it('tells the HR sync plan from the VOMS import plan, both for IAM', { timeout: SLOW }, async () => {
    temp = await tempStore();
    const base = { target: 'iam' as const, vo: 'nebula', summary: {}, conflicts: [], changes: [] };
    temp.store.addPlan({ ...base, inputs: { voms: 1, iamUsers: 2 }, options: {} });
    temp.store.addPlan({ ...base, inputs: { iamUsers: 2, hr: 3 }, options: { kind: 'hr', experiment: 'NEBULA' } });
    const tui = await renderTui({ data: dataOf({}), store: temp.store, initialScreen: 'plan' });
    const f = await until(tui, (x) => x.includes('IAM plans (2)'), 'the plan list');
    expect(f).toMatch(/#2 +HR NEBULA +nebula/);
    expect(f).toMatch(/#1 +from VOMS +nebula/);
  });
});

describe('text below the fold', () => {
  it('the Overview says more follows when its problems do not fit, and shows them at the bottom', async () => {
    const tui = await renderTui({ data: dataOf({ voms: [vomsUser(1, { suspended: true }), vomsUser(2)] }), rows: 18 });
    const f = await tui.waitFor((x) => x.includes('Sources'), 'the overview');
    expect(f).not.toContain('suspended VOMS user(s)');
    expect(f).toMatch(/↓ \d+ more lines/);
    expect(f.split('\n').length).toBeLessThanOrEqual(17);
    await tui.press('G');
    const end = await tui.waitFor((x) => x.includes('suspended VOMS user(s)'), 'the problems');
    expect(end).not.toContain('more lines');
  });
});

describe('the Provisioning screen before it is set up', () => {
  it('says what to configure for the TUI instead of "could not reach", and offers r', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-qa-config-'));
    const before = process.env.IDSYNC_CONFIG_DIR;
    process.env.IDSYNC_CONFIG_DIR = dir; // empty settings: no provision.url
    try {
      const tui = await renderTui({ data: dataOf({}), initialScreen: 'provisioning', columns: 200 });
      const f = await tui.waitFor((x) => x.includes('(r retries)'), 'the message');
      expect(f).toContain('provisioning is not set up (no provisioning API)');
      expect(f).toContain('config set provision.url URL');
      expect(f).not.toContain('could not reach');
      expect(f).not.toContain('--provision-url');
      expect(f.split('\n').at(-1)).toContain('r refresh');
    } finally {
      if (before === undefined) delete process.env.IDSYNC_CONFIG_DIR;
      else process.env.IDSYNC_CONFIG_DIR = before;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the tabs on an 80-column terminal', () => {
  it('keep the current screen visible when not every tab fits', async () => {
    const tui = await renderTui({ data: dataOf({}), initialScreen: 'overview' });
    const tabs = (f: string) => f.split('\n')[2];
    expect(tabs(await tui.waitFor((x) => x.includes('[Overview]'), 'the overview'))).toMatch(/ …$/);
    await tui.press(':', 'a', 'u', 'd', KEYS.enter);
    const t = tabs(await tui.waitFor((x) => x.split('\n')[0].includes('idsync-tui') && !x.includes('[Overview]'), 'another screen'));
    expect(t).toContain('[Audit]');
    expect(t).toMatch(/^…/);
    expect(t.length).toBeLessThanOrEqual(80);
  });
});

describe('the Users list', () => {
  it('says what the letters of the flag column mean', async () => {
    const tui = await renderTui({ data: dataOf({ voms: [vomsUser(1)] }), initialScreen: 'users' });
    const f = await tui.waitFor((x) => x.includes('Given1'), 'the list');
    expect(f).toContain('SVIHD');
    expect(f).toContain('S suspended, V I H D: in VOMS IAM HR DIRAC');
  });
});

describe('the Groups view on 80 columns', () => {
  it('shows the row under the cursor in full, so a clash cut from the table can be read', async () => {
    const voms = [vomsUser(1, { fqans: ['/nebula', '/nebula/production', '/nebula/Role=production'] })];
    const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'groups' });
    await tui.waitFor((x) => x.includes('Groups of nebula'), 'the groups');
    await tui.press('/', ...'Role=prod', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('filter "Role=prod"'), 'the filter');
    expect(f.replace(/\n  /g, '')).toContain('IAM nebula/production (clashes with /nebula/production)'); // wrapped, continuation indented
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // At the bottom, above the status bar, not floating under a short list.
    expect(f.split('\n').at(-3)).toMatch(/^\/nebula\/Role=production → IAM/);
  });
});
