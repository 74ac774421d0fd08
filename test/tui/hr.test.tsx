import { describe, expect, it } from 'vitest';
import { addDays, localToday, startOfDay } from '../../src/engine/hr/dates.js';
import { hrScreen } from '../../src/screens/HrScreen.js';
import { SCREENS } from '../../src/screens/registry.js';
import { hrLabel, linked, participation, person } from '../unit/hr-fixtures.js';
import { KEYS, dataOf, renderTui } from './helpers.js';

const today = localToday();
const ends = addDays(today, 100);

function data() {
  const iamUsers = [
    linked('acc-member', 1, { userName: 'amember', endTime: startOfDay(addDays(today, 10)) }),
    linked('acc-expired', 2, { userName: 'bexpired' }),
    linked('acc-error', 3, { userName: 'cerror' }),
    linked('acc-ignored', 4, { userName: 'dignored' }, [hrLabel('ignore')]),
    linked('acc-restore', 5, { userName: 'erestore', active: false }, [{ prefix: null, name: 'lifecycle.status', value: 'SUSPENDED' }]),
  ];
  const hr = [
    person(1, 'acc-member', [participation(ends, 'nebula'), participation('2015-06-30', 'OTHER')]),
    person(2, 'acc-expired', [participation(addDays(today, -3), 'NEBULA')]),
    person(5, 'acc-restore', [participation(null, 'NEBULA')]),
  ];
  return dataOf({ iamUsers, hr });
}

const screens = [hrScreen];

describe('HR screen', { timeout: 60_000 }, () => {
  it('is in the registry', () => {
    expect(SCREENS.map((s) => s.id)).toContain('hr');
  });

  it('lists accounts by status, problems first, with counts', async () => {
    const tui = await renderTui({ data: data(), screens, initialScreen: 'hr', columns: 140, rows: 30 });
    const f = await tui.waitFor((x) => x.includes('ERROR (1)'), 'the status groups');
    expect(f).toContain('ERROR 1 · EXPIRED 1 · MEMBER 2 · IGNORED 1');
    const order = ['ERROR (1)', 'cerror', 'EXPIRED (1)', 'bexpired', 'MEMBER (2)', 'amember', 'erestore', 'IGNORED (1)', 'dignored'].map((t) => f.indexOf(t));
    expect(order.every((n) => n >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(f).toMatch(/erestore.*restore/);
    tui.unmount();
  });

  it('/ filters, s shows one status at a time, esc clears', async () => {
    const tui = await renderTui({ data: data(), screens, initialScreen: 'hr', columns: 140, rows: 30 });
    await tui.waitFor((x) => x.includes('cerror'));
    await tui.press('/', 'b', 'e', 'x', KEYS.enter);
    let f = await tui.waitFor((x) => x.includes('filter "bex"'), 'the filter');
    expect(f).toContain('bexpired');
    expect(f).not.toContain('amember');
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => x.includes('amember') && !x.includes('filter "'), 'the filter cleared');
    await tui.press('s');
    f = await tui.waitFor((x) => x.includes('status ERROR'), 'one status');
    expect(f).toContain('cerror');
    expect(f).not.toContain('bexpired');
    await tui.press('s');
    f = await tui.waitFor((x) => x.includes('status EXPIRED'), 'the next status');
    expect(f).toContain('bexpired');
    expect(f).not.toContain('cerror');
    tui.unmount();
  });

  it('enter opens an account: decision and reason, participations as a timeline, projected dates; esc goes back', async () => {
    const tui = await renderTui({ data: data(), screens, initialScreen: 'hr', columns: 140, rows: 40 });
    await tui.waitFor((x) => x.includes('amember'));
    await tui.press('/', 'a', 'm', 'e', 'm', KEYS.enter);
    await tui.waitFor((x) => x.includes('filter "amem"'));
    await tui.press(KEYS.down, KEYS.enter);
    const f = await tui.waitFor((x) => x.includes('Decision  MEMBER'), 'the detail view');
    expect(f).toContain(`valid until ${ends}`);
    expect(f).toContain(`→ ${ends}`);
    expect(f).toContain(`PENDING_SUSPENSION from ${addDays(ends, 1)}`);
    expect(f).toContain(`suspended from ${addDays(ends, 8)}`);
    expect(f).toContain(`removed from ${addDays(ends, 31)}`);
    expect(f).toMatch(/✓ [█▶·│]+ nebula/);
    expect(f).toMatch(/ [█▶·│]+ OTHER 2020-01-01 → 2015-06-30 ended/);
    await tui.press(KEYS.esc);
    await tui.waitFor((x) => x.includes('MEMBER (1 shown)'), 'the list again');
    tui.unmount();
  });

  it('says what to do when there is nothing to show', async () => {
    const tui = await renderTui({ data: dataOf({}), screens, initialScreen: 'hr', columns: 100, rows: 10 });
    await tui.waitFor((x) => x.includes('no IAM snapshot'), 'the empty message');
    tui.unmount();
  });
});
