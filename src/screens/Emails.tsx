/**
 * Emails: every email several active VOMS users share (IAM refuses a second account with it), each
 * with its users, then the VOMS emails IAM already binds to another account. enter on a user opens
 * them on the Users screen; `/` narrows the groups by email or name.
 */

import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { AppData, Person } from '../app/data.js';
import { emailsOf } from '../app/emails.js';
import { START, clampPosition, moveList, type ListPosition } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { filterKey } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import { VirtualList } from './components/VirtualList.js';
import { clean, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';
import type { OpenPersonRequest } from './Users.js';

export interface EmailRow {
  text: string;
  /** The person a row is about (enter opens them), or null for a group heading. */
  personKey: string | null;
  /** Lower-cased text the `/` filter searches: the group's email and its users' names. */
  group: string;
}

function personLine(p: Person | undefined, id: number): string {
  if (!p) return `VOMS ${id}`;
  const flags = [p.suspended ? 'suspended' : '', p.iam ? `IAM ${clean(p.iam.userName)}` : 'not in IAM'].filter(Boolean).join(', ');
  return `VOMS ${id}  ${clean(p.name)}  <${clean(p.email)}>  (${flags})`;
}

export function emailRows(data: AppData): EmailRow[] {
  const report = emailsOf(data);
  const byVomsId = new Map<number, Person>();
  for (const p of data.people) if (p.vomsId !== null) byVomsId.set(p.vomsId, p);
  const rows: EmailRow[] = [];
  for (const g of report.sharedEmails) {
    const members = g.vomsIds.map((id) => byVomsId.get(id));
    const group = [g.email, ...members.map((m) => m?.name ?? '')].join('\n').toLowerCase();
    rows.push({ text: `${clean(g.email)} — shared by ${g.vomsIds.length} users: override (email map) or clean up`, personKey: null, group });
    g.vomsIds.forEach((id, i) => rows.push({ text: `    ${personLine(members[i], id)}`, personKey: `voms:${id}`, group }));
  }
  if (report.boundInIam.length) {
    rows.push({ text: 'Bound in IAM to another account', personKey: null, group: '' });
    for (const b of report.boundInIam) {
      const group = [b.email, b.userName, byVomsId.get(b.vomsId)?.name ?? ''].join('\n').toLowerCase();
      rows.push({
        text: `    ${clean(b.email)}: VOMS ${b.vomsId} ${clean(byVomsId.get(b.vomsId)?.name ?? '')} — IAM ${clean(b.userName)} (${clean(b.iamId)})`,
        personKey: `voms:${b.vomsId}`,
        group,
      });
    }
  }
  return rows;
}

interface EmailsView {
  pos: ListPosition;
  query: string;
  editing: boolean;
}

function Emails({ data, width, height, nav }: ScreenProps) {
  const all = useMemo(() => emailRows(data), [data]);
  const [view, setView, liveView] = useLiveState<EmailsView>({ pos: START, query: '', editing: false });
  const rows = useMemo(() => {
    const q = view.query.trim().toLowerCase();
    return q ? all.filter((r) => r.group.includes(q)) : all;
  }, [all, view.query]);
  const report = emailsOf(data);
  const listHeight = Math.max(1, height - 1);
  const at = clampPosition(view.pos, rows.length, listHeight);

  const onKey = (event: KeyEvent): boolean => {
    const { action } = event;
    const v = liveView();
    const set = (change: Partial<EmailsView>) => setView((x) => ({ ...x, ...change }));
    const field = filterKey({ text: v.query, editing: v.editing }, event);
    if (field) {
      set({ query: field.text, editing: field.editing, ...(field.text !== v.query ? { pos: START } : {}) });
      return true;
    }
    if (action === 'open') {
      const key = rows[at.cursor]?.personKey;
      if (key) nav.go('users', { openPerson: key } satisfies OpenPersonRequest);
      return Boolean(key);
    }
    const next = action ? moveList(clampPosition(v.pos, rows.length, listHeight), action, rows.length, listHeight) : null;
    if (next) set({ pos: next });
    return next !== null;
  };
  useScreenInput({ textMode: view.editing, textHint: `filter: ${view.query}▏   enter keep · esc clear`, onKey });

  const summary = `Shared emails ${report.sharedEmails.length} · bound to another IAM account ${report.boundInIam.length}${
    view.query ? `  filter "${clean(view.query)}"` : ''
  }`;
  return (
    <Box flexDirection="column">
      <Text bold>{truncate(summary, width)}</Text>
      <VirtualList
        count={rows.length}
        pos={at}
        height={listHeight}
        width={width}
        row={(i) => rows[i].text}
        empty={data.voms.length ? 'no email is shared: IAM will accept every VOMS email' : 'no VOMS snapshot: import one first'}
      />
    </Box>
  );
}

export const emailsScreen: ScreenDef = { id: 'emails', title: 'Emails', component: Emails };
