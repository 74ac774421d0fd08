import { describe, expect, it } from 'vitest';
import { generateVo } from '../../bench/generate.js';
import { InputError } from '../../src/engine/errors.js';
import type { IamUser, VomsUser } from '../../src/engine/model.js';
import { emailReport, emailReportSteps, vomsIdLabel } from '../../src/engine/rules/emails.js';
import { parseEmailMap } from '../../src/engine/sources/emailMap.js';
import { parse as parseIam } from '../../src/engine/sources/iam.js';
import { parse as parseVoms } from '../../src/engine/sources/voms.js';

function voms(id: number, email: string | null, suspended = false): VomsUser {
  return {
    id, name: `N${id}`, surname: `S${id}`, institution: null, address: null, phoneNumber: null, email, cernHrId: null,
    creationTime: null, endTime: null, suspended, suspensionReasonCode: null, suspensionReason: null,
    certificates: [], fqans: ['/demo'], attributes: [], aupAcceptanceRecords: [], pendingSignAUPTask: null,
  };
}

function iam(id: string, email: string, vomsId?: number, vo = 'demo'): IamUser {
  return {
    id, userName: `u-${id}`, givenName: null, familyName: null, displayName: null, active: true,
    emails: [{ value: email, type: 'work', primary: true }], groups: [], certificates: [], oidcIds: [], samlIds: [], sshKeys: [],
    endTime: null, aupSignatureTime: null, serviceAccount: false,
    labels: vomsId === undefined ? [] : [{ prefix: null, name: `voms.${vo}.id`, value: String(vomsId) }],
    attributes: null, created: null, lastModified: null,
  };
}

describe('shared emails', () => {
  const users = [
    voms(5, 'Team@Example.org'),
    voms(3, 'team@example.org'),
    voms(9, 'TEAM@example.ORG', true),
    voms(4, 'solo@example.org'),
    voms(7, 'a@example.org'),
    voms(8, ' A@example.org '),
    voms(10, null),
    voms(11, null),
  ];
  it('groups emails case-insensitively, counts only active users, sorts', () => {
    expect(emailReport(users, null)).toEqual({
      sharedEmails: [
        { email: 'a@example.org', vomsIds: [7, 8] },
        { email: 'team@example.org', vomsIds: [3, 5] },
      ],
      boundInIam: [],
    });
  });
  it('counts suspended users with --sync-activation', () => {
    expect(emailReport(users, null, { syncActivation: true }).sharedEmails[1]).toEqual({ email: 'team@example.org', vomsIds: [3, 5, 9] });
  });
  it('applies overrides before comparing', () => {
    const emailMap = new Map([[5, 'team.lead@example.org'], [4, 'a@example.org']]);
    expect(emailReport(users, null, { emailMap }).sharedEmails).toEqual([{ email: 'a@example.org', vomsIds: [4, 7, 8] }]);
  });
});

describe('emails bound in IAM', () => {
  it('reports an email held by an account that is not the user\'s own', () => {
    const users = [voms(1, 'one@example.org'), voms(2, 'two@example.org'), voms(3, 'three@example.org'), voms(4, 'four@example.org')];
    const accounts = [
      iam('acc-1', 'ONE@example.org', 1), // user 1's own account, matched by label: fine
      iam('acc-2', 'two@example.org'), // unlabelled, will be matched by email: fine
      iam('acc-3', 'three@example.org', 99), // claimed by VOMS user 99: conflict
      iam('acc-4a', 'x@example.org', 4), // user 4's account has another email...
      iam('acc-4b', 'four@example.org'), // ...and this one holds user 4's email: conflict
    ];
    expect(emailReport(users, accounts).boundInIam).toEqual([
      { email: 'four@example.org', vomsId: 4, iamId: 'acc-4b', userName: 'u-acc-4b' },
      { email: 'three@example.org', vomsId: 3, iamId: 'acc-3', userName: 'u-acc-3' },
    ]);
  });
  it('reads the voms.<vo>.id label of the VO asked for', () => {
    const labels = [{ prefix: null, name: 'voms.other.id', value: '7' }, { prefix: null, name: 'voms.demo.id', value: '8' }];
    expect(vomsIdLabel(labels, 'demo')).toBe(8);
    expect(vomsIdLabel(labels, 'atlas')).toBeNull();
    expect(vomsIdLabel([{ prefix: 'hr.cern', name: 'voms.demo.id', value: '8' }], null)).toBeNull();
  });
  it('finds the cases the synthetic VO plants, and nothing for a VO against itself', () => {
    const vo = generateVo({ size: 300, seed: 3, vo: 'nebula' });
    const vomsUsers = parseVoms(JSON.stringify(vo.voms), 'voms.json').records;
    const iamUsers = parseIam(JSON.stringify(vo.iamUsers), 'iam.json').records as IamUser[];
    const report = emailReport(vomsUsers, iamUsers, { vo: 'nebula' });
    for (const group of report.sharedEmails) {
      const holders = vomsUsers.filter((u) => !u.suspended && u.email?.toLowerCase() === group.email);
      expect(holders.map((u) => u.id).sort((a, b) => a - b)).toEqual(group.vomsIds);
    }
    expect(report.sharedEmails.length).toBeGreaterThan(0);
    for (const b of report.boundInIam) {
      const account = iamUsers.find((a) => a.id === b.iamId)!;
      expect(account.emails.some((e) => e.value.toLowerCase() === b.email)).toBe(true);
      expect(vomsIdLabel(account.labels, 'nebula')).not.toBe(b.vomsId);
    }
    // An email map that gives every shared user a distinct address leaves nothing shared.
    const emailMap = new Map(report.sharedEmails.flatMap((g) => g.vomsIds.map((id) => [id, `user${id}@override.example`] as const)));
    expect(emailReport(vomsUsers, null, { emailMap }).sharedEmails).toEqual([]);
  });
});

describe('email map file', () => {
  it('reads vomsid;email lines with comments, blanks and CRLF', () => {
    const map = parseEmailMap('\ufeff# overrides\r\n102;bo.okafor@example.org\r\n\r\n 7 ; x@y.example \n', 'map.csv');
    expect([...map]).toEqual([[102, 'bo.okafor@example.org'], [7, 'x@y.example']]);
  });
  it('refuses bad lines with their line number', () => {
    const refuse = (text: string) => {
      try {
        parseEmailMap(text, 'map.csv');
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refuse('1;a@b.c\nvomsid,email')).toBe('map.csv: line 2: expected "vomsid;email", got "vomsid,email"');
    expect(refuse('x;a@b.c')).toBe('map.csv: line 1: the VOMS id must be a number, got "x"');
    expect(refuse('1;not-an-email')).toBe('map.csv: line 1: not an email address: "not-an-email"');
    expect(refuse('1;a@b.c\n# c\n1;d@e.f')).toBe('map.csv: line 3: VOMS id 1 is already mapped to a@b.c on line 1');
  });
});

describe('the report in steps (the TUI computes it while a large VO loads)', () => {
  // 12 000 users and accounts, a few hundred of them sharing or already bound to an address.
  const many = Array.from({ length: 12_000 }, (_, i) => voms(i + 1, `p${i % 11_700}@example.org`, i % 97 === 0));
  const accounts = Array.from({ length: 12_000 }, (_, i) => iam(`a${i}`, `p${(i * 7) % 12_000}@example.org`, i % 3 ? i + 1 : undefined));
  it('pauses every few thousand users and gives the same report as one call', () => {
    const steps = emailReportSteps(many, accounts, { vo: 'demo' });
    let pauses = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) pauses++;
    expect(pauses).toBeGreaterThanOrEqual(6);
    expect(next.value.sharedEmails.length).toBeGreaterThan(100);
    expect(next.value.boundInIam.length).toBeGreaterThan(100);
    expect(next.value).toEqual(emailReport(many, accounts, { vo: 'demo' }));
  });
});
