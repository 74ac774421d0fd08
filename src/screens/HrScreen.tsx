/**
 * HR: the CERN HR lifecycle decision for every IAM account with a person id, grouped by status
 * (problems first) with counts; `/` filters by name, person id, status or reason, `s` shows one
 * status at a time; enter opens an account: its HR participations as a timeline, the decision and
 * why, what changes, and when the expiry handler would suspend and remove it.
 *
 * The decision runs once per data load (linear, off the key path) with the options of the newest
 * `hr` plan in the database, or else the VO as experiment, documented rules and today.
 */

import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { AppData } from '../app/data.js';
import { START, clampPosition, moveList, scrollText, type ListPosition } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import { iso, localDate, localToday } from '../engine/hr/dates.js';
import { decideAll, isValidOn, type HrDecision, type HrRules, type HrStatus } from '../engine/hr/decision.js';
import { DEFAULT_GRACE, project, type GracePeriods } from '../engine/hr/projection.js';
import type { HrParticipation } from '../engine/model.js';
import type { HrExtra } from '../engine/sources/hr.js';
import type { Store } from '../store/types.js';
import { TextView } from './components/TextView.js';
import { VirtualList } from './components/VirtualList.js';
import { clean, truncate, wrap } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

export interface HrView {
  experiment: string;
  today: string;
  rules: HrRules;
  grace: GracePeriods;
  /** Where the options came from, for the header line. */
  source: string;
}

/** Problems first: what an admin must look at before what is fine. */
const STATUS_ORDER: HrStatus[] = ['ERROR', 'EXPIRED', 'MEMBER', 'VO_MEMBER', 'IGNORED'];

/** The options of the newest `hr` plan, else defaults from the data. */
export function hrViewOptions(data: AppData, store: Store | null, today = localToday()): HrView {
  const plans = store ? store.listPlans().filter((p) => (p.options as { kind?: unknown }).kind === 'hr') : [];
  const newest = plans.reduce<(typeof plans)[number] | null>((a, p) => (a === null || p.id > a.id ? p : a), null);
  if (newest) {
    const o = newest.options as { experiment?: string; rules?: HrRules; suspensionGraceDays?: number; removalGraceDays?: number | null };
    return {
      experiment: o.experiment ?? data.vo ?? '',
      today,
      rules: o.rules ?? 'documented',
      grace: { suspensionDays: o.suspensionGraceDays ?? 7, removalDays: o.removalGraceDays ?? 30, removal: o.removalGraceDays !== null },
      source: `options of plan ${newest.id}`,
    };
  }
  return { experiment: data.vo ?? '', today, rules: 'documented', grace: DEFAULT_GRACE, source: 'run `idsync-tui hr` to choose the experiment' };
}

export interface HrRow {
  text: string;
  /** Index into the decisions, or null for a status heading. */
  decision: number | null;
  status: HrStatus;
  /** Lower-cased text the `/` filter searches. */
  search: string;
}

function accountLine(d: HrDecision): string {
  const changes = [
    d.endTime ? `end ${d.endTime.old === null ? 'none' : localDate(d.endTime.old)} → ${d.endTime.new === null ? 'none' : localDate(d.endTime.new)}` : '',
    d.restore ? 'restore' : '',
    d.emailSync ? 'email' : '',
    d.givenName || d.familyName ? 'name' : '',
    d.emailBound ? 'email bound elsewhere' : '',
  ].filter(Boolean);
  return `${clean(d.userName)}  person ${d.personId ?? '?'}  ${clean(d.message)}${changes.length ? `  [${changes.join(', ')}]` : ''}`;
}

export function hrRows(decisions: readonly HrDecision[]): HrRow[] {
  const byStatus = new Map<HrStatus, number[]>();
  decisions.forEach((d, i) => {
    const list = byStatus.get(d.status);
    if (list) list.push(i);
    else byStatus.set(d.status, [i]);
  });
  const rows: HrRow[] = [];
  for (const status of STATUS_ORDER) {
    const list = byStatus.get(status);
    if (!list) continue;
    rows.push({ text: `${status} (${list.length})`, decision: null, status, search: '' });
    for (const i of list) {
      const d = decisions[i];
      const search = [d.userName, d.iamId, d.personId, d.status, d.reason, d.person?.firstName, d.person?.name].filter((x) => x !== null && x !== undefined).join('\n').toLowerCase();
      rows.push({ text: `  ${accountLine(d)}`, decision: i, status, search });
    }
  }
  return rows;
}

/** Narrowed rows: the headings stay for the statuses that keep an account. */
export function filterRows(rows: readonly HrRow[], query: string, status: HrStatus | null): HrRow[] {
  const q = query.trim().toLowerCase();
  if (!q && status === null) return [...rows];
  const kept = rows.filter((r) => r.decision !== null && (status === null || r.status === status) && (!q || r.search.includes(q)));
  const out: HrRow[] = [];
  let heading: HrStatus | null = null;
  for (const r of kept) {
    if (r.status !== heading) {
      heading = r.status;
      out.push({ text: `${r.status} (${kept.filter((k) => k.status === r.status).length} shown)`, decision: null, status: r.status, search: '' });
    }
    out.push(r);
  }
  return out;
}

/** One participation on a line: its span as a bar across the years the person's participations cover. */
function timeline(parts: readonly HrParticipation[], chosen: HrParticipation | null, today: string, width: number): string[] {
  if (parts.length === 0) return ['  (no participations in HR)'];
  const sorted = [...parts].sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
  const year = (d: string | null, fallback: number) => (d ? Number(d.slice(0, 4)) + (Number(d.slice(5, 7)) - 1) / 12 : fallback);
  const nowYear = year(today, 0);
  const from = Math.min(...sorted.map((p) => year(p.startDate, nowYear)));
  const to = Math.max(nowYear, ...sorted.map((p) => year(p.endDate, nowYear))) + 0.5;
  const barWidth = Math.max(10, Math.min(40, width - 60));
  const at = (y: number) => Math.min(barWidth - 1, Math.max(0, Math.round(((y - from) / (to - from || 1)) * (barWidth - 1))));
  const lines = [`  ${String(Math.floor(from)).padEnd(barWidth - 4)}${Math.floor(to)}`];
  for (const p of sorted) {
    const a = at(year(p.startDate, from));
    const b = p.endDate === null ? barWidth - 1 : at(year(p.endDate, to));
    const bar = Array.from({ length: barWidth }, (_, i) => (i >= a && i <= b ? (p.endDate === null && i === b ? '▶' : '█') : i === at(nowYear) ? '│' : '·')).join('');
    const mark = p === chosen ? '✓' : ' ';
    const state = isValidOn(p, today) ? 'valid' : 'ended';
    const inst = p.institute ? `  ${clean(p.institute.name)}${p.institute.town ? ` (${clean(p.institute.town)}${p.institute.country ? `, ${clean(p.institute.country)}` : ''})` : ''}` : '';
    lines.push(`${mark} ${bar} ${clean(p.experiment)} ${p.startDate ?? '?'} → ${p.endDate ?? 'open'} ${state}${inst}`);
  }
  lines.push(`  │ = today (${today}); ✓ = the participation the decision rests on`);
  return lines;
}

export function detailLines(d: HrDecision, view: HrView, width: number): string[] {
  const next = project(d.resultingEndTime, view.today, view.grace);
  const when = (ms: number | null) => (ms === null ? 'none' : `${localDate(ms)} (${iso(ms)})`);
  const lines = [
    `Account ${clean(d.userName)} (${clean(d.iamId)})  ${d.active ? 'active' : 'suspended'}${d.lifecycleStatus ? `, lifecycle.status ${clean(d.lifecycleStatus)}` : ''}`,
    `CERN person ${d.personId ?? '?'}${d.person ? `: ${clean(d.person.firstName)} ${clean(d.person.name)} <${clean(d.person.email)}>` : ' — no HR record'}`,
    '',
    `Decision  ${d.status}${d.previousStatus !== null ? `   (was ${clean(d.previousStatus)})` : ''}`,
    `Why       ${clean(d.reason)}`,
    `Message   ${clean(d.message)}`,
    '',
    'Changes',
    d.endTime ? `  end time   ${when(d.endTime.old)} → ${when(d.endTime.new)}` : `  end time   unchanged: ${when(d.resultingEndTime)}`,
    d.restore ? '  restore    the account is reactivated (suspended by the lifecycle)' : '',
    d.emailSync ? `  email      ${clean(d.emailSync.old)} → ${clean(d.emailSync.new)}` : '',
    d.emailBound ? `  email      ${clean(d.emailBound.email)} is bound to ${clean(d.emailBound.userName)}: not changed` : '',
    d.givenName ? `  given name ${clean(d.givenName.old)} → ${clean(d.givenName.new)}` : '',
    d.familyName ? `  family     ${clean(d.familyName.old)} → ${clean(d.familyName.new)}` : '',
    '',
    'What happens next (expiry handler)',
    next.pendingSuspension === null
      ? '  no end time: the account does not expire'
      : [
          `  PENDING_SUSPENSION from ${next.pendingSuspension}`,
          `  suspended from ${next.suspension} (grace ${view.grace.suspensionDays} days)`,
          next.removal ? `  removed from ${next.removal} (grace ${view.grace.removalDays} days)` : '  never removed (removal is off)',
          `  a run today (${view.today}) gives: ${next.today}`,
        ].join('\n'),
    '',
    `Participations in HR (${clean(view.experiment)} matched ignoring case)`,
    ...timeline(d.person?.participations ?? [], d.participation, view.today, width),
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').flatMap((l) => l.split('\n'));
}

interface ScreenState {
  pos: ListPosition;
  query: string;
  editing: boolean;
  status: HrStatus | null;
  /** The open account (index into the decisions), or null for the list. */
  open: number | null;
  scroll: number;
}

function HrScreen({ data, store, width, height }: ScreenProps) {
  const view = useMemo(() => hrViewOptions(data, store), [data, store]);
  const decisions = useMemo(() => {
    const extra = store && data.snapshots.hr ? store.readExtra<HrExtra>(data.snapshots.hr.id) : null;
    return decideAll(data.iamUsers, data.hr, extra, { experiment: view.experiment, today: view.today, now: Date.now(), rules: view.rules });
  }, [data, store, view]);
  const all = useMemo(() => hrRows(decisions.decisions), [decisions]);
  const [state, setState, live] = useLiveState<ScreenState>({ pos: START, query: '', editing: false, status: null, open: null, scroll: 0 });
  const rows = useMemo(() => filterRows(all, state.query, state.status), [all, state.query, state.status]);
  const listHeight = Math.max(1, height - 1);
  const at = clampPosition(state.pos, rows.length, listHeight);
  const openDecision = state.open === null ? null : decisions.decisions[state.open] ?? null;
  // Wrapped, not cut: the reason and the institutes are what the admin opened the account to read.
  const detail = useMemo(
    () => (openDecision ? detailLines(openDecision, view, width).flatMap((l) => wrap(l, width, ' '.repeat(10))) : []),
    [openDecision, view, width],
  );
  const present = STATUS_ORDER.filter((s) => decisions.counts[s] > 0);

  const onKey = ({ action, name, input }: KeyEvent): boolean => {
    const s = live();
    const set = (change: Partial<ScreenState>) => setState((x) => ({ ...x, ...change }));
    if (s.editing) {
      const field = editField({ text: s.query, editing: true }, name, input);
      set({ query: field.text, editing: field.editing, ...(field.text !== s.query ? { pos: START } : {}) });
      return true;
    }
    if (s.open !== null) {
      if (action === 'back') {
        set({ open: null, scroll: 0 });
        return true;
      }
      const top = action ? scrollText(s.scroll, action, detail.length, listHeight) : null;
      if (top !== null) set({ scroll: top });
      return top !== null;
    }
    if (action === 'filter') {
      set({ editing: true });
      return true;
    }
    if (action === 'status') {
      const i = s.status === null ? 0 : present.indexOf(s.status) + 1;
      set({ status: i < present.length ? present[i] : null, pos: START });
      return true;
    }
    if (action === 'back' && (s.query || s.status)) {
      set({ query: '', status: null, pos: START });
      return true;
    }
    if (action === 'open') {
      const i = rows[clampPosition(s.pos, rows.length, listHeight).cursor]?.decision ?? null;
      if (i !== null) set({ open: i, scroll: 0 });
      return i !== null;
    }
    const next = action ? moveList(clampPosition(s.pos, rows.length, listHeight), action, rows.length, listHeight) : null;
    if (next) set({ pos: next });
    return next !== null;
  };
  useScreenInput({
    textMode: state.editing,
    textHint: `filter: ${state.query}▏   enter keep · esc clear`,
    actions: state.open !== null ? ['down', 'up'] : undefined,
    onKey,
  });

  const counts = present.map((s) => `${s} ${decisions.counts[s]}`).join(' · ') || 'no linked accounts';
  const narrowed = [state.status ? `status ${state.status}` : '', state.query ? `filter "${clean(state.query)}"` : ''].filter(Boolean).join(', ');
  const header = `HR ${clean(view.experiment) || '?'} · ${view.today} · ${view.rules} rules: ${counts}${narrowed ? `  (${narrowed})` : ''}`;
  if (openDecision) {
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(header, width)}</Text>
        <TextView lines={detail.map((text) => ({ text }))} top={state.scroll} width={width} height={listHeight} />
      </Box>
    );
  }
  const empty = data.iamUsers.length === 0
    ? 'no IAM snapshot: import or fetch IAM first'
    : decisions.decisions.length === 0
      ? 'no IAM account carries hr.cern/cern_person_id'
      : 'nothing matches the filter (esc clears it)';
  return (
    <Box flexDirection="column">
      <Text bold>{truncate(header, width)}</Text>
      <VirtualList count={rows.length} pos={at} height={listHeight} width={width} row={(i) => rows[i].text} empty={empty} />
    </Box>
  );
}

export const hrScreen: ScreenDef = {
  id: 'hr',
  title: 'HR',
  component: HrScreen,
  keys: [
    { action: 'filter', keys: ['/'], description: 'filter accounts by name, person id, status or reason', screens: ['hr'], inStatusBar: true },
    { action: 'status', keys: ['s'], description: 'show one status at a time (again: the next, then all)', screens: ['hr'], inStatusBar: true },
  ],
};
