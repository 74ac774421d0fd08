import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { createElement } from 'react';
import { App } from '../../src/app/App.js';
import { KEY_BINDINGS, keyLabel } from '../../src/app/keyBindings.js';
import { KEYS, dataOf, people, renderTui, vomsUser, withFilterTuning } from './helpers.js';

afterEach(() => cleanup());

describe('TUI shell', () => {
  it('shows the header with VO and DRY-RUN, the overview, and a status bar from the key table', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(3) }) });
    const f = tui.frame();
    expect(f).toContain('VO nebula');
    expect(f).toContain('DRY-RUN');
    expect(f).toContain('users 3');
    expect(f).toContain('? help');
    expect(f).not.toContain('--insecure');
    expect(f.split('\n').length).toBeLessThanOrEqual(23);
  });

  it('warns about --insecure on the header', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(1) }), insecure: true });
    expect(tui.frame()).toContain('--insecure');
  });

  it('help lists every binding of the key table', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(1) }), rows: 40 });
    await tui.press('?');
    const f = await tui.waitFor((x) => x.includes('Keys —'), 'the help');
    for (const b of KEY_BINDINGS) expect(f).toContain(b.description);
    expect(f).toContain(keyLabel('pgdn'));
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => !x.includes('Keys —'), 'help closed');
  });

  it('jumps to a screen with : and tab completion, and esc goes back', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(5) }) });
    await tui.press(':', 'u', 's');
    await tui.waitFor((x) => x.includes(':us') && x.includes('→ users'), 'the prompt');
    await tui.press(KEYS.tab);
    await tui.waitFor((x) => x.includes(':users'), 'completed');
    await tui.press(KEYS.enter);
    await tui.waitFor((x) => x.includes('[Users]') && x.includes('Given1 Family1'), 'the Users screen');
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => x.includes('[Overview]'), 'back on the Overview');
  });

  it('tab cycles through the screens', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(2) }) });
    await tui.press(KEYS.tab);
    await tui.waitFor((x) => x.includes('[Users]'), 'Users');
  });
});

describe('Users screen', () => {
  it('moves down and opens the detail with certificates and FQANs', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(30) }), initialScreen: 'users' });
    expect(tui.frame()).toMatch(/› +1 Given1/);
    await tui.press('j', KEYS.down);
    await tui.waitFor((x) => /› +3 Given3/.test(x), 'cursor on user 3');
    await tui.press('G');
    await tui.waitFor((x) => /› +30 Given30/.test(x), 'cursor on the last user');
    await tui.press('g', KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('VOMS user 1:'), 'the detail');
    expect(f).toContain('/DC=org/DC=example/CN=User 1');
    expect(f).toContain('/nebula');
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => x.includes('sort: VOMS id'), 'the list again');
  });

  it('filters incrementally by name, email or DN, and esc clears the filter', async () => {
    const voms = people(40);
    voms[16] = vomsUser(17, { name: 'Zora', surname: 'Quist', email: 'zq@elsewhere.test' });
    const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'users' });
    await tui.press('/', 'q', 'u', 'i');
    let f = await tui.waitFor((x) => x.includes('Users 1–1 of 1'), 'one match');
    expect(f).toContain('Zora Quist');
    expect(f).not.toContain('Given1 ');
    await tui.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'c', 'n', '=', 'u', 's', 'e', 'r', ' ', '3');
    f = await tui.waitFor((x) => x.includes('1–13 of 13'), 'DN matches: every word of the filter');
    await tui.press(KEYS.enter, KEYS.esc);
    await tui.waitFor((x) => x.includes('Users 1–') && x.includes('of 40'), 'the whole list');
  });

  it('filters a list too long to scan in one frame in slices, keeping the last result until the new one is in', async () => {
    await withFilterTuning({ slicesAbove: 10, step: 7 }, async () => {
      const voms = people(60);
      voms[44] = vomsUser(45, { name: 'Zora', surname: 'Quist', email: 'zq@elsewhere.test' });
      const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'users' });
      await tui.press('/', 'q', 'u', 'i');
      const f = await tui.waitFor((x) => x.includes('Users 1–1 of 1') && !x.includes('filtering'), 'one match, found in slices');
      expect(f).toContain('Zora Quist');
      await tui.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, 'c', 'n', '=', 'u', 's', 'e', 'r', ' ', '3');
      await tui.waitFor((x) => x.includes('1–15 of 15') && !x.includes('filtering'), 'DN matches: every word of the filter');
      await tui.press(KEYS.enter, KEYS.esc);
      await tui.waitFor((x) => x.includes('Users 1–') && x.includes('of 60') && !x.includes('filtering'), 'the whole list');
    });
  });

  it('sorts a list too long to sort in one frame in slices, showing the old order until the new one is in', async () => {
    await withFilterTuning({ slicesAbove: 10, step: 7 }, async () => {
      const voms = people(60);
      voms[44] = vomsUser(45, { name: 'Aaron', surname: 'Aab', email: 'aa@example.test' });
      const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'users' });
      await tui.waitFor((x) => x.includes('sort: VOMS id'), 'the list in VOMS order');
      await tui.press('s');
      const f = await tui.waitFor((x) => x.includes('sort: name') && !x.includes('sorting'), 'the list sorted by name, in slices');
      // Aaron (VOMS id 45) comes first by name, ahead of Given1.
      expect(f.indexOf('Aaron Aab')).toBeGreaterThan(-1);
      expect(f.indexOf('Aaron Aab')).toBeLessThan(f.indexOf('Given1 '));
    });
  });

  it('shows escape sequences and control characters in data escaped, never raw', async () => {
    const voms = [vomsUser(1, { name: 'Evil\u001B[2J\u001B]0;pwned\u0007', surname: 'Name\r\nX', email: 'a\u202Eb@example.org' })];
    const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'users' });
    await tui.press(KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('VOMS user 1:'), 'the detail');
    expect(f).toContain('Evil\\e[2J\\e]0;pwned\\x07');
    expect(f).toContain('Name\\r\\nX');
    expect(f).toContain('a\\u202eb@example.org');
    expect(f).not.toContain('\u001B[2J');
    expect(f).not.toContain('\u0007');
    expect(f).not.toContain('\u202E');
  });

  it('renders only the visible rows of 100 000 users and stays within the terminal', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(100_000) }), initialScreen: 'users', rows: 24 });
    const f = tui.frame();
    const rows = f.split('\n').filter((l) => /^[› ] +\d+ Given/.test(l));
    expect(rows.length).toBe(24 - 1 - 3 - 1 - 2);
    expect(f.split('\n').length).toBeLessThanOrEqual(23);
    expect(f).toContain('of 100000');
    await tui.press('G');
    const end = await tui.waitFor((x) => /› +100000 Given100000/.test(x), 'the last user');
    expect(end.split('\n').filter((l) => /^[› ] +\d+ Given/.test(l)).length).toBe(rows.length);
    await tui.press('/', '9', '9', '9', '9', '9');
    await tui.waitFor((x) => x.includes('of 1 ') || /of 1\b/.test(x), 'one match for 99999');
  });
});

describe('keys arriving together', () => {
  it('types into the filter when `/` and `q` come in one chunk, instead of quitting', async () => {
    const voms = people(3);
    voms[1] = vomsUser(2, { name: 'Quinn' });
    const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'users' });
    await tui.press('/qu');
    const f = await tui.waitFor((x) => x.includes('filter "qu"'), 'the filter');
    expect(f).toContain('Quinn');
    await tui.press(':ov\r');
    await tui.waitFor((x) => x.includes('filter "qu:ov"') && !x.includes('▏'), 'still typing in the filter, then kept by enter');
    await tui.press(':ov\r');
    await tui.waitFor((x) => x.includes('[Overview]'), 'jumped in one chunk');
  });
});

describe('Emails screen', () => {
  it('lists each shared email with its users and opens one on the Users screen', async () => {
    const voms = people(6);
    voms[1] = vomsUser(2, { name: 'Ana', surname: 'Shared', email: 'Team@Example.org' });
    voms[4] = vomsUser(5, { name: 'Ben', surname: 'Shared', email: 'team@example.org' });
    voms[5] = vomsUser(6, { name: 'Cleo', surname: 'Gone', email: 'TEAM@example.org', suspended: true });
    const tui = await renderTui({ data: dataOf({ voms }), initialScreen: 'emails' });
    const f = await tui.waitFor((x) => x.includes('[Emails]') && x.includes('team@example.org'), 'the group');
    expect(f).toContain('Shared emails 1');
    expect(f).toContain('shared by 2 users');
    expect(f).toContain('Ana Shared');
    expect(f).toContain('Ben Shared');
    expect(f).not.toContain('Cleo');
    await tui.press('j', 'j', KEYS.enter);
    const d = await tui.waitFor((x) => x.includes('VOMS user 5: Ben Shared'), 'Ben on the Users screen');
    expect(d).toContain('[Users]');
    expect(d).not.toContain('s sort');
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => x.includes('sort: VOMS id') && x.includes('s sort'), 'the list, with its keys');
  });

  it('counts the shared emails on the Overview', async () => {
    const voms = [vomsUser(1, { email: 'x@example.org' }), vomsUser(2, { email: 'X@example.org' }), vomsUser(3)];
    const tui = await renderTui({ data: dataOf({ voms }) });
    expect(tui.frame()).toContain('shared emails 1');
    expect(tui.frame()).toMatch(/1 email\(s\) shared/);
  });
});

describe('escape then a key, typed together', () => {
  it('leaves the filter and then quits, instead of typing the key', async () => {
    const tui = await renderTui({ data: dataOf({ voms: people(3) }), initialScreen: 'users' });
    await tui.press('/', 'x');
    await tui.waitFor((x) => x.includes('filter "x"'), 'the filter');
    await tui.press('\u001Bk');
    await tui.waitFor((x) => !x.includes('filter "x'), 'the filter cleared');
  });
});

describe('terminal size', () => {
  it('follows a resize: the frame stays within rows − 1 and the list shows as many rows as fit', async () => {
    const data = dataOf({ voms: people(200) });
    const tui = await renderTui({ data, initialScreen: 'users', rows: 24, columns: 80 });
    const count = (f: string) => f.split('\n').filter((l) => /^[› ] +\d+ Given/.test(l)).length;
    const tall = count(tui.frame());
    tui.rerender(createElement(App, { data, initialScreen: 'users', rows: 14, columns: 60 }));
    const f = await tui.waitFor((x) => count(x) < tall, 'a shorter list');
    expect(f.split('\n').length).toBeLessThanOrEqual(13);
    expect(Math.max(...f.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(count(f)).toBe(tall - 10);
  });
});
