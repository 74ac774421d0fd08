/**
 * Overview: what is loaded (each source, its snapshot and age), the counts an admin checks first,
 * and the problems to look at, each pointing to the screen or command that deals with it.
 */

import { useMemo, useState } from 'react';
import { emailsOf } from '../app/emails.js';
import { overviewStats } from '../app/overview.js';
import { scrollText } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { TextView, type Line } from './components/TextView.js';
import { age, clean, fit, loadingText } from './text.js';
import type { ScreenDef, ScreenProps } from './types.js';
import type { AppData } from '../app/data.js';

const IMPORT_HINT: Record<string, string> = {
  voms: 'idsync-tui import voms FILE',
  'iam-users': 'idsync-tui import iam FILE',
  'iam-groups': 'idsync-tui import iam GROUPS-FILE',
  hr: 'idsync-tui import hr FILE',
  dirac: 'idsync-tui import dirac FILE',
};

export function overviewLines(data: AppData, now: number, sharedEmails: number | null): Line[] {
  const s = overviewStats(data);
  const lines: Line[] = [{ text: 'Sources', bold: true }];
  for (const src of s.sources) {
    lines.push(
      src.id === null
        ? { text: `  ${fit(src.kind, 11)} not loaded`, dim: true }
        : {
            text: `  ${fit(src.kind, 11)} ${String(src.records).padStart(7)} records  #${src.id}  ${src.createdAt!.slice(0, 16).replace('T', ' ')} (${age(src.createdAt!, now)})  ${clean(src.origin)}`,
          },
    );
  }
  if (data.loading) {
    lines.push({ text: '' }, { text: `  ${loadingText(data.loading)}: the counts and problems follow`, dim: true });
    return lines;
  }
  lines.push({ text: '' }, { text: 'VOMS', bold: true });
  const v = s.voms;
  lines.push(
    { text: `  users ${v.users} · suspended ${v.suspended} · several certificates ${v.severalCertificates}` },
    { text: `  certificates ${v.certificates} · suspended certificates ${v.suspendedCertificates} · distinct FQANs ${v.fqans}` },
    { text: `  shared emails ${sharedEmails ?? '—'} · without CERN HR id ${v.withoutHrId}` },
  );
  lines.push({ text: '' }, { text: 'IAM · HR · DIRAC', bold: true });
  lines.push(
    { text: `  IAM accounts ${s.iam.accounts} · inactive ${s.iam.inactive} · service accounts ${s.iam.serviceAccounts} · groups ${s.iam.groups}` },
    { text: `  HR persons ${s.hrPersons} · DIRAC users ${s.diracUsers}` },
  );
  lines.push({ text: '' }, { text: 'Problems', bold: true });
  const problems: string[] = [];
  if (s.sources.every((x) => x.id === null)) problems.push('nothing imported yet: run `idsync-tui import voms FILE`, or try `idsync-tui --demo`');
  else for (const src of s.sources) if (src.id === null) problems.push(`no ${src.kind} snapshot: ${IMPORT_HINT[src.kind]}`);
  if (sharedEmails) problems.push(`${sharedEmails} email(s) shared by several active VOMS users: IAM refuses them (see Emails)`);
  if (v.suspended) problems.push(`${v.suspended} suspended VOMS user(s): not imported into IAM unless activation is synced`);
  if (s.missingInIam) problems.push(`${s.missingInIam} VOMS user(s) without an IAM account (see Users)`);
  for (const note of data.notes) problems.push(clean(note));
  if (problems.length === 0) lines.push({ text: '  none found', dim: true });
  for (const p of problems) lines.push({ text: `  • ${p}`, color: 'yellow' });
  return lines;
}

function Overview({ data, width, height }: ScreenProps) {
  const [now] = useState(() => Date.now());
  const lines = useMemo(() => overviewLines(data, now, emailsOf(data).sharedEmails.length), [data, now]);
  const [top, setTop] = useState(0);
  useScreenInput({
    onKey: ({ action }) => {
      const next = action ? scrollText(top, action, lines.length, height) : null;
      if (next === null) return false;
      setTop(next);
      return true;
    },
  });
  return <TextView lines={lines} top={Math.min(top, Math.max(0, lines.length - height))} width={width} height={height} />;
}

export const overviewScreen: ScreenDef = { id: 'overview', title: 'Overview', component: Overview, drawsWhileLoading: true };
