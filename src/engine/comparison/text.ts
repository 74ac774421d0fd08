/**
 * The comparison as a few lines an admin reads in a terminal: counts first, then one short table
 * per section. Roles show only what one side has and the other lacks.
 */
import type { DnDifference, FieldValue, VomsIamComparison } from './types.js';
import { DN_FIELDS } from './types.js';

export interface TextOptions {
  /** Rows per section; 0 for all. */
  limit: number;
}

function show(value: FieldValue): string {
  if (value === null) return '—';
  if (Array.isArray(value)) return value.length ? value.join(' ') : '(none)';
  return String(value);
}

function sides(d: DnDifference): [string, string] {
  if (d.field !== 'roles' || !Array.isArray(d.voms) || !Array.isArray(d.iam)) return [show(d.voms), show(d.iam)];
  const iam = new Set(d.iam);
  const voms = new Set(d.voms);
  const onlyVoms = d.voms.filter((r) => !iam.has(r));
  const onlyIam = d.iam.filter((r) => !voms.has(r));
  return [onlyVoms.length ? `+${onlyVoms.join(' +')}` : '', onlyIam.length ? `+${onlyIam.join(' +')}` : ''];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (c === r.length - 1 ? 0 : r[c].length))));
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}`.trimEnd());
}

function section<T>(title: string, items: readonly T[], limit: number, header: string[], row: (item: T) => string[]): string[] {
  if (items.length === 0) return [];
  const shown = limit > 0 ? items.slice(0, limit) : items;
  const out = ['', `${title} (${items.length})`, ...table([header, ...shown.map(row)])];
  if (shown.length < items.length) out.push(`  … ${items.length - shown.length} more (--limit 0 for all, --json for everything)`);
  return out;
}

export function formatComparison(vo: string, result: VomsIamComparison, options: TextOptions): string[] {
  const s = result.summary;
  const byField = new Map<string, number>();
  for (const d of result.differences) byField.set(d.field, (byField.get(d.field) ?? 0) + 1);
  const personMissing = result.missingInIam.filter((m) => m.iamId === null).length;
  // A DN can differ in several fields: then the count of DNs and of differences are both given,
  // so that the summary and the Differences section do not seem to disagree.
  const several = result.differences.length !== s.differing;

  const lines = [
    `VOMS ↔ IAM for ${vo}: ${s.vomsEntries} VOMS DNs, ${s.iamEntries} IAM DNs`,
    `  missing in IAM   ${s.missingInIam} (${personMissing} of a person missing in IAM, ${s.missingInIam - personMissing} of a person who has another DN there)`,
    `  missing in VOMS  ${s.missingInVoms}`,
    `  differing        ${s.differing}${several ? ` DNs, ${result.differences.length} differences` : ''}${byField.size ? ` (${DN_FIELDS.filter((f) => byField.has(f)).map((f) => `${f} ${byField.get(f)}`).join(', ')})` : ''}`,
    `People: ${s.vomsUsers} in VOMS, ${s.iamUsers} in IAM, ${s.peopleMatched} matched; ${s.peopleMissingInIam} only in VOMS, ${s.peopleMissingInVoms} only in IAM; ` +
      `${s.peopleWithChangedCertificates} with a different DN, ${s.peopleDiffering} differing`,
  ];
  if (s.missingInIam + s.missingInVoms + s.differing === 0 && s.peopleDiffering === 0) lines.push('No differences.');
  lines.push(
    ...section('Missing in IAM', result.missingInIam, options.limit, ['VOMS id', 'IAM account', 'DN'], (m) => [
      String(m.vomsId), m.userName ?? '(no account)', `${m.dn}${m.certSuspended ? ' [certificate suspended]' : ''}${m.robot ? ' [robot]' : ''}`,
    ]),
    ...section('Missing in VOMS', result.missingInVoms, options.limit, ['IAM account', 'VOMS id', 'DN'], (m) => [
      m.userName, m.vomsId === null ? '(no user)' : String(m.vomsId), `${m.dn}${m.robot ? ' [robot]' : ''}`,
    ]),
    ...section(several ? `Differences on ${s.differing} DNs` : 'Differences', result.differences, options.limit, ['field', 'VOMS', 'IAM', 'DN'], (d) => [
      d.field, ...sides(d), `${d.dn}${d.robot ? ' [robot]' : ''}`,
    ]),
    ...section('Duplicate DNs', result.duplicateDns, options.limit, ['side', 'owners', 'DN'], (d) => [d.side, d.owners.join(', '), d.dn]),
  );
  return lines;
}
