/**
 * The detail of one person: a column per source that knows them (VOMS, IAM, HR, DIRAC), built as
 * plain lines so the screen can lay them side by side and scroll them together. Every value from
 * data goes through `clean`.
 */

import type { DiracUser, Person } from '../app/data.js';
import type { IamUser, VomsUser, VoPerson } from '../engine/model.js';
import { clean, fit, instant, wrap } from './text.js';

export interface DetailColumn {
  title: string;
  lines: string[];
}

function section(title: string, items: string[], empty = '  none'): string[] {
  return [title, ...(items.length ? items : [empty])];
}

export function vomsLines(u: VomsUser): string[] {
  const status = u.suspended
    ? `SUSPENDED (${clean(u.suspensionReasonCode ?? '?')}${u.suspensionReason ? `: ${clean(u.suspensionReason)}` : ''})`
    : 'active';
  return [
    `id ${u.id}`,
    `name ${clean([u.name, u.surname].filter(Boolean).join(' ') || null)}`,
    `email ${clean(u.email)}`,
    `status ${status}`,
    `institution ${clean(u.institution)}`,
    `CERN HR id ${clean(u.cernHrId)}`,
    `created ${instant(u.creationTime)}`,
    `end time ${instant(u.endTime)}`,
    ...section(
      `certificates (${u.certificates.length})`,
      u.certificates.flatMap((c) => [
        `• ${clean(c.subject)}${c.suspended ? ' [SUSPENDED]' : ''}`,
        `  CA ${clean(c.issuer)}`,
      ]),
    ),
    ...section(`FQANs (${u.fqans.length})`, u.fqans.map((f) => `  ${clean(f)}`)),
    ...section('attributes', u.attributes.map((a) => `  ${clean(a.name)} = ${clean(a.value)}`)),
    ...section(
      'AUP',
      u.aupAcceptanceRecords.map((a) => `  v${clean(a.aupVersion)} accepted ${instant(a.lastAcceptanceDate)}${a.valid === false ? ' (expired)' : ''}`),
      u.pendingSignAUPTask ? '  signature pending' : '  no record',
    ),
  ];
}

export function iamLines(u: IamUser): string[] {
  return [
    `id ${clean(u.id)}`,
    `userName ${clean(u.userName)}`,
    `name ${clean([u.givenName, u.familyName].filter(Boolean).join(' ') || null)}`,
    `status ${u.active ? 'active' : 'INACTIVE'}${u.serviceAccount ? ' (service account)' : ''}`,
    `end time ${instant(u.endTime)}`,
    `AUP signed ${instant(u.aupSignatureTime)}`,
    ...section('emails', u.emails.map((e) => `  ${clean(e.value)}${e.primary ? ' (primary)' : ''}`)),
    ...section(
      `certificates (${u.certificates.length})`,
      u.certificates.flatMap((c) => [`• ${clean(c.subjectDn)}`, `  CA ${clean(c.issuerDn)}`]),
    ),
    ...section(`groups (${u.groups.length})`, u.groups.map((g) => `  ${clean(g.name)}`)),
    ...section(
      'labels',
      u.labels === null
        ? ['  not in this dump']
        : u.labels.map((l) => `  ${clean(l.prefix ? `${l.prefix}/${l.name}` : l.name)}${l.value === null ? '' : ` = ${clean(l.value)}`}`),
    ),
    ...section('OIDC ids', u.oidcIds.map((o) => `  ${clean(o.subject)} @ ${clean(o.issuer)}`)),
  ];
}

export function hrLines(p: VoPerson): string[] {
  return [
    `person id ${p.id}`,
    `name ${clean([p.firstName, p.name].filter(Boolean).join(' ') || null)}`,
    `email ${clean(p.email)}`,
    ...section(
      'participations',
      p.participations.flatMap((x) => [
        `• ${clean(x.experiment)} ${clean(x.startDate)} → ${x.endDate === null ? 'open' : clean(x.endDate)}`,
        ...(x.institute?.name ? [`  ${clean(x.institute.name)}`] : []),
      ]),
    ),
  ];
}

export function diracLines(d: DiracUser): string[] {
  return [
    `user ${clean(d.name)}`,
    `email ${clean(d.email)}`,
    ...section('DNs', d.dns.flatMap((dn, i) => [`• ${clean(dn)}`, ...(d.cas[i] ? [`  CA ${clean(d.cas[i])}`] : [])])),
    ...section('groups', d.groups.map((g) => `  ${clean(g)}`)),
    ...(d.suspended.length ? [`suspended in ${d.suspended.map(clean).join(', ')}`] : []),
  ];
}

/**
 * What VOMS and IAM disagree on for this person, in the admins' words (the Compare screen has the
 * full per-DN report; this is the at-a-glance line of the detail).
 */
export function vomsIamDifferences(p: Person): string[] {
  const v = p.voms;
  const i = p.iam;
  if (!v || !i) return [];
  const out: string[] = [];
  const iamEmails = i.emails.map((e) => e.value.toLowerCase());
  if (v.email && !iamEmails.includes(v.email.toLowerCase())) out.push('email');
  if ((v.name ?? null) !== (i.givenName ?? null) || (v.surname ?? null) !== (i.familyName ?? null)) out.push('name');
  if (v.suspended === i.active) out.push(v.suspended ? 'suspended in VOMS, active in IAM' : 'active in VOMS, inactive in IAM');
  if ((v.endTime ?? null) !== (i.endTime ?? null)) out.push('end time');
  return out;
}

/** The columns to show for a person: only the sources that know them. */
export function detailColumns(p: Person): DetailColumn[] {
  const cols: DetailColumn[] = [];
  if (p.voms) cols.push({ title: 'VOMS', lines: vomsLines(p.voms) });
  if (p.iam) cols.push({ title: 'IAM', lines: iamLines(p.iam) });
  if (p.hr) cols.push({ title: 'HR', lines: hrLines(p.hr) });
  if (p.dirac) cols.push({ title: 'DIRAC', lines: diracLines(p.dirac) });
  return cols;
}

/** Which sources know this person, as the list's flag column shows it: `VIHD`, `-` where absent. */
export function sourceFlags(p: Person): string {
  return `${p.voms ? 'V' : '-'}${p.iam ? 'I' : '-'}${p.hr ? 'H' : '-'}${p.dirac ? 'D' : '-'}`;
}

/** Narrower than this a column wraps every DN and date into pieces nobody can read. */
const MIN_COLUMN = 34;

/**
 * Lays columns side by side in `width` columns: as many in a row as stay readable (VOMS beside
 * IAM first, HR and DIRAC below them on an 80-column terminal), each column's lines wrapped to its
 * share, rows joined with ` │ `, a title row first, a blank line between rows of columns.
 */
export function sideBySide(cols: DetailColumn[], width: number): string[] {
  if (cols.length === 0) return ['no source knows this person'];
  const gap = ' │ ';
  const perRow = Math.max(1, Math.min(cols.length, Math.floor((width + gap.length) / (MIN_COLUMN + gap.length))));
  const colWidth = Math.max(8, Math.floor((width - gap.length * (perRow - 1)) / perRow));
  const out: string[] = [];
  for (let first = 0; first < cols.length; first += perRow) {
    if (first > 0) out.push('');
    const wrapped = cols
      .slice(first, first + perRow)
      .map((c) => [c.title, '─'.repeat(Math.min(colWidth, 40)), ...c.lines.flatMap((l) => wrap(l, colWidth))]);
    const rows = Math.max(...wrapped.map((w) => w.length));
    for (let r = 0; r < rows; r++) out.push(wrapped.map((w) => fit(w[r] ?? '', colWidth)).join(gap).trimEnd());
  }
  return out;
}
