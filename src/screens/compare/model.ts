/**
 * The Compare screen's pure part: the VOMS ↔ IAM comparison of the engine as list rows, per person
 * (one human on both sides, "certificate changed" included) or per certificate DN (as DIRAC's
 * `compareUsers` reports it), each row with the kinds of difference the `f` filter cycles through
 * and the lower-cased text the `/` filter searches.
 */

import type { IamUser, VomsUser } from '../../engine/model.js';
import type { FieldValue, PersonReport, VomsIamComparison } from '../../engine/comparison/index.js';
import { DN_FIELDS } from '../../engine/comparison/index.js';
import type { Line } from '../components/TextView.js';
import { iamLines, sideBySide, vomsLines } from '../personDetail.js';
import { clean, fit, wrap } from '../text.js';

export type CompareView = 'people' | 'dns';

export interface CompareRow {
  text: string;
  kinds: readonly string[];
  search: string;
  /** The person the row is about (index into `report.people`), for enter; -1 when none. */
  person: number;
}

const KIND_WORDS: Record<string, string> = {
  missingInIam: 'not in IAM',
  missingInVoms: 'not in VOMS',
  certificates: 'certificate changed',
};

export function kindWord(kind: string): string {
  return KIND_WORDS[kind] ?? kind;
}

export function showField(value: FieldValue): string {
  if (value === null) return '—';
  if (Array.isArray(value)) return value.length ? value.map(clean).join(', ') : '(none)';
  return clean(String(value));
}

function whoVoms(p: PersonReport): string {
  return p.vomsId === null ? '' : `VOMS ${p.vomsId}`;
}

function whoIam(p: PersonReport): string {
  return p.userName === null ? '' : `IAM ${clean(p.userName)}`;
}

function personText(p: PersonReport): string {
  const robot = p.robot ? ' [robot]' : '';
  const name = clean(p.displayName ?? '');
  if (p.status === 'missingInIam') return `${whoVoms(p)}  ${name}${robot} — not in IAM`;
  if (p.status === 'missingInVoms') return `${whoIam(p)}  ${name}${robot} — not in VOMS`;
  return `${whoVoms(p)} ↔ ${whoIam(p)}  ${name}${robot}  (by ${p.matchedBy}): ${p.kinds.map(kindWord).join(', ')}`;
}

export function personRows(report: VomsIamComparison): CompareRow[] {
  return report.people.map((p, i) => ({
    text: personText(p),
    kinds: p.kinds,
    search: [p.vomsId, p.iamId, p.userName, p.displayName, ...p.certificatesOnlyInVoms, ...p.certificatesOnlyInIam].filter((x) => x !== null).join('\n').toLowerCase(),
    person: i,
  }));
}

export function dnRows(report: VomsIamComparison): CompareRow[] {
  const personOfVoms = new Map<number, number>();
  const personOfIam = new Map<string, number>();
  report.people.forEach((p, i) => {
    if (p.vomsId !== null) personOfVoms.set(p.vomsId, i);
    if (p.iamId !== null) personOfIam.set(p.iamId, i);
  });
  const rows: CompareRow[] = [];
  for (const m of report.missingInIam) {
    const other = m.userName === null ? '' : `, IAM ${clean(m.userName)} has other certificates`;
    rows.push({
      text: `not in IAM   ${clean(m.dn)}  (VOMS ${m.vomsId}${other})${m.robot ? ' [robot]' : ''}`,
      kinds: ['missingInIam'],
      search: [m.dn, m.vomsId, m.userName].join('\n').toLowerCase(),
      person: personOfVoms.get(m.vomsId) ?? -1,
    });
  }
  for (const m of report.missingInVoms) {
    rows.push({
      text: `not in VOMS  ${clean(m.dn)}  (IAM ${clean(m.userName)}${m.vomsId === null ? '' : `, VOMS ${m.vomsId} has other certificates`})${m.robot ? ' [robot]' : ''}`,
      kinds: ['missingInVoms'],
      search: [m.dn, m.iamId, m.userName, m.vomsId].join('\n').toLowerCase(),
      person: personOfIam.get(m.iamId) ?? -1,
    });
  }
  for (const d of report.differences) {
    rows.push({
      text: `${fit(d.field, 12)} ${clean(d.dn)}  VOMS ${showField(d.voms)}  IAM ${showField(d.iam)}${d.robot ? ' [robot]' : ''}`,
      kinds: [d.field],
      search: [d.dn, d.field, showField(d.voms), showField(d.iam)].join('\n').toLowerCase(),
      person: -1,
    });
  }
  return rows;
}

/** The kinds the `f` filter offers for these rows, in the report's order. */
export function kindsIn(rows: readonly CompareRow[]): string[] {
  const order = ['missingInIam', 'missingInVoms', 'certificates', ...DN_FIELDS];
  const present = new Set(rows.flatMap((r) => r.kinds));
  return order.filter((k) => present.has(k));
}

export function filterRows(rows: readonly CompareRow[], kind: string | null, text: string): CompareRow[] {
  const q = text.trim().toLowerCase();
  if (kind === null && !q) return rows as CompareRow[];
  return rows.filter((r) => (kind === null || r.kinds.includes(kind)) && (!q || r.search.includes(q)));
}

/**
 * One person, VOMS beside IAM: first what differs (marked `≠` and highlighted), then each side's
 * whole record.
 */
export function personDetailLines(p: PersonReport, voms: VomsUser | null, iam: IamUser | null, width: number): Line[] {
  const lines: Line[] = [];
  const head = `${whoVoms(p) || 'no VOMS user'} ↔ ${whoIam(p) || 'no IAM account'}${p.matchedBy ? `  matched by ${p.matchedBy}` : ''}${p.robot ? '  [robot]' : ''}`;
  lines.push({ text: head, bold: true });
  const col = Math.max(10, Math.floor((width - 18) / 2));
  if (p.differences.length) {
    lines.push({ text: `  ${fit('field', 14)} ${fit('VOMS', col)} IAM`, bold: true });
    for (const d of p.differences) {
      lines.push({ text: `≠ ${fit(d.field, 14)} ${fit(showField(d.voms), col)} ${showField(d.iam)}`, color: 'yellow', bold: true });
      if (d.dn) lines.push({ text: `    of ${clean(d.dn)}`, dim: true });
    }
  } else if (p.status === 'matched') lines.push({ text: '  the same on both sides, apart from the certificates below' });
  const certs = (title: string, dns: readonly string[]) => {
    if (!dns.length) return;
    lines.push({ text: title, color: 'yellow', bold: true });
    for (const dn of dns) for (const l of wrap(`≠ ${clean(dn)}`, width)) lines.push({ text: l, color: 'yellow' });
  };
  certs(`certificates only in VOMS (${p.certificatesOnlyInVoms.length})`, p.certificatesOnlyInVoms);
  certs(`certificates only in IAM (${p.certificatesOnlyInIam.length})`, p.certificatesOnlyInIam);
  const cols = [
    ...(voms ? [{ title: 'VOMS', lines: vomsLines(voms) }] : []),
    ...(iam ? [{ title: 'IAM', lines: iamLines(iam) }] : []),
  ];
  lines.push({ text: '' });
  for (const text of sideBySide(cols, width)) lines.push({ text });
  return lines;
}
