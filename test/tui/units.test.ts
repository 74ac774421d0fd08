import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_BINDINGS, actionFor, bindingsFor, type KeyBinding } from '../../src/app/keyBindings.js';
import { clampPosition, moveList, scrollText } from '../../src/app/listNav.js';
import { SORT_ORDERS, filterPeople, filterSteps, filterTuning, sortPeople, sortSteps } from '../../src/app/peopleQuery.js';
import { editField } from '../../src/app/textField.js';
import { SCREENS, completeScreen, matchScreens } from '../../src/screens/registry.js';
import { detailColumns, sideBySide, vomsIamDifferences } from '../../src/screens/personDetail.js';
import { clean, fit, wrap } from '../../src/screens/text.js';
import { dataOf, iamUser, people, vomsUser, withFilterTuning } from './helpers.js';

describe('clean', () => {
  it('never lets a control character, ESC or bidi override through, and keeps the rest readable', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = clean(s);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
    );
    expect(clean('Ada Wu /DC=ch/CN=x\\,y')).toBe('Ada Wu /DC=ch/CN=x\\,y');
    expect(clean('a\u001b[31mb')).toBe('a\\e[31mb');
    expect(clean('a\\e\u0000')).toBe('a\\\\e\\x00');
    expect(clean(null)).toBe('—');
  });
  it('fit and wrap keep to the width', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 3, max: 120 }), (s, w) => {
        expect(fit(s, w).length).toBe(w);
        for (const line of wrap(s, w)) expect(line.length).toBeLessThanOrEqual(w);
        expect(wrap(s, w).map((l, i) => (i ? l.slice(2) : l)).join('')).toBe(s);
      }),
    );
  });
});

describe('list navigation', () => {
  it('keeps the cursor inside the list and visible in the window', () => {
    const actions = ['down', 'up', 'top', 'bottom', 'pageDown', 'pageUp'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.constantFrom(...actions)), (count, height, seq) => {
        let pos = { cursor: 0, top: 0 };
        for (const a of seq) {
          pos = moveList(pos, a, count, height)!;
          if (count === 0) expect(pos).toEqual({ cursor: 0, top: 0 });
          else {
            expect(pos.cursor).toBeGreaterThanOrEqual(0);
            expect(pos.cursor).toBeLessThan(count);
            expect(pos.cursor).toBeGreaterThanOrEqual(pos.top);
            expect(pos.cursor).toBeLessThan(pos.top + height);
          }
        }
      }),
    );
    expect(moveList({ cursor: 0, top: 0 }, 'open', 10, 5)).toBeNull();
    expect(clampPosition({ cursor: 90, top: 80 }, 10, 5)).toEqual({ cursor: 9, top: 5 });
    expect(scrollText(0, 'bottom', 30, 10)).toBe(20);
    expect(scrollText(0, 'up', 30, 10)).toBe(0);
  });
});

describe('people query', () => {
  const data = dataOf({ voms: [...people(50), vomsUser(51, { name: 'Åsa', email: 'ASA@Example.org' })] });
  it('a filter that grew gives what a fresh filter gives', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: SORT_ORDERS.length - 1 }), (a, b, o) => {
        const src = sortPeople(data.people, SORT_ORDERS[o]);
        const first = filterPeople(src, a);
        expect(filterPeople(src, a + b, first).rows).toEqual(filterPeople(src, a + b).rows);
      }),
    );
  });
  it('typing then deleting characters gives what a fresh filter gives at each step', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('backspace' as const), fc.constantFrom('u', 's', 'e', 'r', '1', ' ', 'g', '@')), { maxLength: 12 }), (keys) => {
        let query = '';
        let result = filterPeople(data.people, query);
        for (const key of keys) {
          query = key === 'backspace' ? query.slice(0, -1) : query + key;
          result = filterPeople(data.people, query, result);
          expect(result.rows).toEqual(filterPeople(data.people, query).rows);
        }
      }),
    );
    // Deleting a character goes back to the result that query already had, without a new scan.
    const u = filterPeople(data.people, 'u');
    const us = filterPeople(data.people, 'us', u);
    expect(filterPeople(data.people, 'u', us)).toBe(u);
  });
  it('filters in steps (for slices between frames) to what one scan gives, reporting a growing share done', async () => {
    await withFilterTuning({ step: 7 }, () => {
      for (const query of ['user', 'cn=user 4', 'given7 family7', '', 'nobody']) {
        const steps = filterSteps(data.people, query);
        const shares: number[] = [];
        let next = steps.next();
        for (; !next.done; next = steps.next()) shares.push(next.value);
        expect(next.value.rows).toEqual(filterPeople(data.people, query).rows);
        expect(shares).toEqual([...shares].sort((a, b) => a - b));
        if (shares.length) expect(shares.at(-1)).toBeLessThan(1);
        if (query === 'user') expect(shares.length).toBe(Math.ceil(data.people.length / 7) - 1);
      }
    });
  });
  it('matches every word in any case, by id, name, email or DN', () => {
    expect(filterPeople(data.people, 'asa@example').rows.map((p) => p.vomsId)).toEqual([51]);
    expect(filterPeople(data.people, 'CN=User 4').rows.map((p) => p.vomsId)).toEqual([4, 14, 24, 34, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(filterPeople(data.people, 'given7 family7').rows.map((p) => p.vomsId)).toEqual([7]);
  });
  it('sorts stably and does not touch the loaded order', () => {
    const byEmail = sortPeople(data.people, SORT_ORDERS.find((s) => s.id === 'email')!);
    const emails = byEmail.map((p) => p.email.toLowerCase());
    expect(emails).toEqual([...emails].sort());
    expect(data.people[0].vomsId).toBe(1);
  });
  it('sorts in steps (runs, then merges, for slices between frames) to the order one stable sort gives', async () => {
    await withFilterTuning({}, () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ name: fc.constantFrom('ada', 'Ada', 'bo', 'cy', 'dee', ''), dns: fc.integer({ min: 0, max: 3 }), suspended: fc.boolean() }), { maxLength: 80 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 0, max: SORT_ORDERS.length - 1 }),
          (specs, step, o) => {
            filterTuning.step = step;
            const list = specs.map((x, i) => ({ ...data.people[i % data.people.length], key: `p${i}`, name: x.name, email: x.name, dns: Array(x.dns).fill('/CN=x'), suspended: x.suspended }));
            const order = SORT_ORDERS[o];
            const expected = order.key ? list.map((p, i) => ({ p, k: order.key!(p), i })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.p.key) : list.map((p) => p.key);
            const steps = sortSteps(list, order);
            const shares: number[] = [];
            let next = steps.next();
            for (; !next.done; next = steps.next()) shares.push(next.value);
            expect(next.value.map((p) => p.key)).toEqual(expected);
            expect(shares).toEqual([...shares].sort((a, b) => a - b));
            for (const share of shares) expect(share).toBeLessThanOrEqual(1);
            if (order.key && list.length > 2 * step) expect(shares.length).toBeGreaterThan(1);
          },
        ),
      );
    });
  });
});

describe('key table', () => {
  it('no key means two things on one screen', () => {
    for (const screen of SCREENS) {
      const seen = new Map<string, string>();
      for (const b of bindingsFor(screen.id, screen.keys)) for (const k of b.keys) {
        expect(seen.get(k), `${k} on ${screen.id}`).toBeUndefined();
        seen.set(k, b.action);
      }
    }
  });
  it("a screen's own key shadows the shared one", () => {
    const own: KeyBinding[] = [{ action: 'approveAll', keys: ['a'], description: 'approve all', screens: ['plan'] },
      { action: 'refresh', keys: ['g'], description: 'refresh', screens: ['plan'] },
    ];
    const b = bindingsFor('plan', own);
    expect(actionFor('a', b)).toBe('approveAll');
    expect(actionFor('g', b)).toBe('refresh');
    expect(actionFor('G', b)).toBe('bottom');
    expect(actionFor('a', bindingsFor('users'))).toBeNull();
    expect(actionFor('/', bindingsFor('overview'))).toBeNull();
    expect(actionFor('/', bindingsFor('users'))).toBe('filter');
    expect(KEY_BINDINGS.every((x) => x.description.length > 0)).toBe(true);
  });
  it('editing a text field', () => {
    let f = { text: '', editing: true };
    for (const ch of 'ab') f = editField(f, ch, ch);
    expect(editField(f, 'backspace', '')).toEqual({ text: 'a', editing: true });
    expect(editField(f, 'enter', '')).toEqual({ text: 'ab', editing: false });
    expect(editField(f, 'esc', '')).toEqual({ text: '', editing: false });
    expect(editField(f, 'x', '\u001b')).toEqual(f);
  });
});

describe('screen registry', () => {
  it('matches by id or title prefix, then substring, and completes to the common prefix', () => {
    expect(matchScreens('us').map((s) => s.id)).toEqual(['users']);
    expect(matchScreens('MAIL').map((s) => s.id)).toEqual(['emails']);
    expect(matchScreens('').length).toBe(SCREENS.length);
    expect(completeScreen('ov')).toBe('overview');
    expect(completeScreen('zz')).toBe('zz');
  });
});

describe('joining the sources into people', () => {
  it('finds the IAM account by label, by email, then by certificate subject; HR by person id; DIRAC by DN', () => {
    const voms = [
      vomsUser(1),
      vomsUser(2, { email: 'Two@Example.org', cernHrId: 4242 }),
      vomsUser(3, { email: 'changed@example.org' }),
      vomsUser(4),
    ];
    const iamUsers = [
      iamUser('a', { labels: [{ prefix: null, name: 'voms.nebula.id', value: '1' }], emails: [{ value: 'other@example.org', type: null, primary: true }] }),
      iamUser('b', { emails: [{ value: 'two@example.org', type: null, primary: true }] }),
      iamUser('c', { certificates: [{ subjectDn: 'CN=User 3,DC=example,DC=org', issuerDn: 'CN=Example CA,DC=example,DC=org', display: null, primary: true }] }),
      iamUser('d', { active: false }),
    ];
    const hr = [{ id: 4242, name: 'Family2', firstName: 'Given2', email: null, participations: [] }];
    const dirac = [{ name: 'user4', dns: ['/DC=org/DC=example/CN=User 4'], cas: [], email: null, groups: ['nebula_user'], suspended: [] }];
    const data = dataOf({ voms, iamUsers, hr, dirac });
    const byKey = new Map(data.people.map((p) => [p.key, p]));
    expect(byKey.get('voms:1')!.iam?.id).toBe('a');
    expect(byKey.get('voms:2')!.iam?.id).toBe('b');
    expect(byKey.get('voms:2')!.hr?.id).toBe(4242);
    expect(byKey.get('voms:3')!.iam?.id).toBe('c');
    expect(byKey.get('voms:4')!.iam).toBeNull();
    expect(byKey.get('voms:4')!.dirac?.name).toBe('user4');
    expect(byKey.get('iam:d')!.suspended).toBe(true);
    expect(data.people.length).toBe(5);
  });
});

describe('the detail of a person', () => {
  it('says what VOMS and IAM disagree on, emails compared in any case', () => {
    const label = { prefix: null, name: 'voms.nebula.id', value: '1' };
    const same = dataOf({
      voms: [vomsUser(1, { name: 'Ada', surname: 'Wu', email: 'Ada@Example.org' })],
      iamUsers: [iamUser('a', { labels: [label], givenName: 'Ada', familyName: 'Wu', emails: [{ value: 'ada@example.org', type: null, primary: true }] })],
    });
    expect(vomsIamDifferences(same.people[0])).toEqual([]);
    const differ = dataOf({
      voms: [vomsUser(1, { name: 'Ada', surname: 'Wu', suspended: true })],
      iamUsers: [iamUser('a', { labels: [label], givenName: 'Ada', familyName: 'Wu-Berg', endTime: 0 })],
    });
    expect(vomsIamDifferences(differ.people[0])).toEqual(['email', 'name', 'suspended in VOMS, active in IAM', 'end time']);
    const cols = detailColumns(differ.people[0]);
    expect(cols.map((c) => c.title)).toEqual(['VOMS', 'IAM']);
    for (const line of sideBySide(cols, 70)) expect(line.length).toBeLessThanOrEqual(70);
  });
});
