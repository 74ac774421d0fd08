import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEYS, dataOf, iamUser, renderTui, vomsUser } from './helpers.js';
import { SLOW, until } from './plan-kit.js';

afterEach(() => cleanup());

const cert = (n: number) => ({ subjectDn: `CN=User ${n},DC=example,DC=org`, issuerDn: 'CN=Example CA,DC=example,DC=org', display: null, primary: true });
const labelled = (vomsId: number) => [{ prefix: null, name: 'voms.nebula.id', value: String(vomsId) }];

function data() {
  return dataOf({
    voms: [
      vomsUser(1),
      vomsUser(2),
      vomsUser(3, { fqans: ['/nebula', '/nebula/Role=VO-Admin'] }),
      vomsUser(4),
    ],
    iamUsers: [
      // Same person, another email.
      iamUser('a1', { userName: 'ada', labels: labelled(1), emails: [{ value: 'changed@example.org', type: 'work', primary: true }], certificates: [cert(1)], groups: [{ id: 'g', name: 'nebula' }] }),
      // Same person, no role in IAM.
      iamUser('a3', { userName: 'carl', labels: labelled(3), emails: [{ value: 'user3@example.org', type: 'work', primary: true }], certificates: [cert(3)], groups: [{ id: 'g', name: 'nebula' }] }),
      // Same person, a new certificate.
      iamUser('a4', { userName: 'dora', labels: labelled(4), emails: [{ value: 'user4@example.org', type: 'work', primary: true }], certificates: [cert(44)], groups: [{ id: 'g', name: 'nebula' }] }),
    ],
  });
}

describe('Compare screen', () => {
  it('lists each person with what differs: a changed email, a missing person, a changed certificate', async () => {
    const tui = await renderTui({ data: data(), initialScreen: 'compare', columns: 160, rows: 30 });
    const f = await until(tui, (x) => x.includes('People:'), 'the comparison');
    expect(f).toMatch(/VOMS 1 ↔ IAM ada .*\(by label\): mail/);
    expect(f).toMatch(/VOMS 2 +Given2 Family2 — not in IAM/);
    expect(f).toMatch(/VOMS 3 ↔ IAM carl .*roles/);
    expect(f).toMatch(/VOMS 4 ↔ IAM dora .*certificate changed/);
  }, SLOW);

  it('filters by kind of difference and opens the side-by-side detail with the difference marked', async () => {
    const tui = await renderTui({ data: data(), initialScreen: 'compare', columns: 160, rows: 40 });
    await until(tui, (x) => x.includes('People:'), 'the comparison');
    // Kinds in order: not in IAM, certificate changed, mail, roles.
    await tui.press('f', 'f', 'f');
    const mail = await until(tui, (x) => x.includes('kind mail'), 'the mail filter');
    expect(mail).toContain('1 shown');
    expect(mail).toContain('IAM ada');
    expect(mail).not.toContain('IAM carl');
    await tui.press(KEYS.enter);
    const detail = await until(tui, (x) => x.includes('VOMS │ IAM'), 'the detail');
    expect(detail).toMatch(/≠ mail +user1@example\.org +changed@example\.org/);
    expect(detail).toMatch(/VOMS +│ IAM/);
    await tui.press(KEYS.esc);
    await until(tui, (x) => x.includes('kind mail'), 'back on the list');
  }, SLOW);

  it('per DN: the certificate missing on each side and the field that differs', async () => {
    const tui = await renderTui({ data: data(), initialScreen: 'compare', columns: 160, rows: 30 });
    await until(tui, (x) => x.includes('People:'), 'the comparison');
    await tui.press('v');
    const f = await until(tui, (x) => x.includes('DNs:'), 'the per-DN view');
    expect(f).toContain('not in IAM   /DC=org/DC=example/CN=User 2  (VOMS 2)');
    expect(f).toContain('not in VOMS  /DC=org/DC=example/CN=User 44  (IAM dora, VOMS 4 has other certificates)');
    expect(f).toMatch(/mail +\/DC=org\/DC=example\/CN=User 1 +VOMS user1@example\.org +IAM changed@example\.org/);
    await tui.press('/', ...'user 44', KEYS.enter);
    const narrowed = await until(tui, (x) => x.includes('"user 44"'), 'the text filter');
    expect(narrowed).toContain('1 shown');
  }, SLOW);
});
