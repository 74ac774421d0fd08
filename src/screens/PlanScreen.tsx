/**
 * Plan: review a stored plan change by change. First the list of plans (by target, with counts);
 * enter opens one. Its changes are grouped by kind (or by person, `v`), conflicts first, each with
 * old → new and the reason under the list. space approves or skips the change (or the group under a
 * heading), `a` / `A` everything in view, `u` back to pending; `f` `o` `d` filter by kind, op and
 * decision, `/` by text. Each decision goes to the database at once (audited with the OS user and
 * the time), so an interrupted review loses nothing. Works the same for IAM, DIRAC, HR and
 * provisioning plans.
 */

import { Box, Text } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { START, clampPosition, moveList, scrollText, type ListPosition } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import type { Decision } from '../engine/model.js';
import { currentActor } from '../store/actor.js';
import type { PlanInfo, StoredChange } from '../store/types.js';
import { TextView } from './components/TextView.js';
import { VirtualList } from './components/VirtualList.js';
import {
  DECISIONS, GROUPINGS, NO_FILTER, OPS, changeDetail, changeLine, changesInView, changesUnder, countDecisions, cycle, filterLabel, kindsOf,
  isFiltered, orderChanges, planRows, searchTexts, toggledDecision, type Grouping, type PlanFilter, type PlanRow,
} from './plan/model.js';
import { planListRows } from './plan/plans.js';
import { clean, truncate, wrap } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

/** Ask the Plan screen to open a plan: `nav.go('plan', { openPlan: id })`. */
export interface OpenPlanRequest {
  openPlan: number;
}

interface Loaded {
  plan: PlanInfo;
  changes: StoredChange[];
  /** By change index; changed in place as decisions are made (with `version` bumped). */
  decisions: Decision[];
}

interface PlanView {
  planId: number | null;
  listPos: ListPosition;
  pos: ListPosition;
  filter: PlanFilter;
  grouping: Grouping;
  editing: boolean;
  query: string;
  detail: boolean;
  detailTop: number;
  message: string | null;
}

const INITIAL: PlanView = {
  planId: null, listPos: START, pos: START, filter: NO_FILTER, grouping: 'kind', editing: false, query: '', detail: false, detailTop: 0, message: null,
};

const PANE_ROWS = 5;
const PLAN_ACTIONS = ['decide', 'approveAll', 'skipAll', 'kind', 'op', 'decision', 'group', 'filter', 'open', 'undecide'];

function headingText(label: string, indexes: readonly number[], decisions: readonly Decision[]): string {
  const c = countDecisions(decisions, indexes);
  return `▾ ${clean(label)}  (${indexes.length}: pending ${c.pending} · approved ${c.approved} · skipped ${c.skipped})`;
}

function rowText(row: PlanRow, at: number, rows: readonly PlanRow[], loaded: Loaded, grouping: Grouping): string {
  switch (row.type) {
    case 'conflictHeading':
      return `⚠ Conflicts (${row.count}): fix these at the source before applying`;
    case 'conflict':
      return `  ! ${clean(row.conflict.kind)}: ${clean(row.conflict.detail)}`;
    case 'heading':
      return headingText(row.label, changesUnder(rows, at), loaded.decisions);
    case 'change':
      return `  ${changeLine(loaded.changes[row.index], loaded.decisions[row.index], grouping)}`;
  }
}

function paneLines(row: PlanRow | undefined, at: number, rows: readonly PlanRow[], loaded: Loaded, width: number): string[] {
  if (!row) return [];
  if (row.type === 'change') return changeDetail(loaded.changes[row.index], loaded.decisions[row.index]);
  if (row.type === 'conflict') {
    const ref = Object.entries(row.conflict.ref ?? {}).filter(([, v]) => v !== null && v !== undefined);
    return [
      `conflict ${clean(row.conflict.kind)}`,
      ...wrap(clean(row.conflict.detail), width),
      ref.length ? ref.map(([k, v]) => `${k}=${clean(String(v))}`).join('  ') : '',
    ];
  }
  if (row.type === 'heading') return [`space approves the ${changesUnder(rows, at).length} changes of this group in view (again: skips them)`];
  return ['conflicts are not changes: resolve them in the sources (email map, cleanup), then plan again'];
}

function PlanScreen({ store, width, height, active, request }: ScreenProps) {
  const [view, setView, liveView] = useLiveState<PlanView>(INITIAL);
  const [plans, setPlans] = useState<PlanInfo[]>([]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const loadedRef = useRef<Loaded | null>(null);
  loadedRef.current = loaded;
  const actor = useMemo(() => currentActor(), []);
  const set = (change: Partial<PlanView>) => setView((x) => ({ ...x, ...change }));

  useEffect(() => {
    if (!active || !store || view.planId !== null) return;
    try {
      setPlans(store.listPlans());
    } catch (err) {
      setLoadError(err instanceof Error ? err.message : String(err));
    }
  }, [active, store, view.planId]);

  useEffect(() => {
    const payload = request?.payload as Partial<OpenPlanRequest> | undefined;
    if (typeof payload?.openPlan === 'number') set({ ...INITIAL, planId: payload.openPlan, listPos: liveView().listPos });
  }, [request]);

  // Reading 100 000 changes takes a moment: after a frame that says so, never while rendering.
  useEffect(() => {
    setLoaded(null);
    setLoadError(null);
    if (view.planId === null || !store) return;
    const id = view.planId;
    const timer = setTimeout(() => {
      try {
        const plan = store.getPlan(id);
        if (!plan) throw new Error(`no plan #${id} in ${store.file}`);
        const changes = store.listChanges(id);
        setLoaded({ plan, changes, decisions: changes.map((c) => c.decision) });
      } catch (err) {
        setLoadError(err instanceof Error ? err.message : String(err));
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [view.planId, store]);

  const ord = useMemo(() => (loaded ? orderChanges(loaded.changes, view.grouping) : null), [loaded, view.grouping]);
  const searching = view.filter.text !== '';
  const search = useMemo(() => (loaded && searching ? searchTexts(loaded.changes) : null), [loaded, searching]);
  const rows = useMemo(
    () => (loaded && ord ? planRows(loaded.changes, loaded.decisions, loaded.plan.conflicts, ord, view.filter, search) : []),
    [loaded, ord, view.filter, search, version],
  );
  const kinds = useMemo(() => (loaded ? kindsOf(loaded.changes) : []), [loaded]);
  const listRows = useMemo(() => planListRows(plans), [plans]);

  const listHeight = Math.max(1, height - 2 - PANE_ROWS);
  const at = clampPosition(view.pos, rows.length, listHeight);
  const listAt = clampPosition(view.listPos, listRows.length, Math.max(1, height - 1));
  const current = rows[at.cursor];
  const detailLines = useMemo(
    () => (view.detail && loaded && current ? paneLines(current, at.cursor, rows, loaded, width).flatMap((l) => wrap(l, width)) : []),
    [view.detail, loaded, current, rows, width, version],
  );

  const decide = (indexes: readonly number[], decision: Decision) => {
    const L = loadedRef.current;
    if (!L || !store) return;
    const todo = indexes.filter((i) => L.decisions[i] !== decision);
    if (todo.length === 0) {
      set({ message: `nothing to change: ${indexes.length ? `already ${decision}` : 'no change in view'}` });
      return;
    }
    try {
      store.decide(L.plan.id, todo.map((i) => L.changes[i].id), decision, actor);
    } catch (err) {
      set({ message: `not saved: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const when = new Date().toISOString();
    for (const i of todo) {
      L.decisions[i] = decision;
      Object.assign(L.changes[i], { decision, decidedBy: actor, decidedAt: when });
    }
    setVersion((n) => n + 1);
    set({ message: `${decision} ${todo.length} change${todo.length === 1 ? '' : 's'} (saved)` });
  };

  const onPlanKey = (v: PlanView, { action, name, input }: KeyEvent): boolean => {
    const L = loadedRef.current;
    if (v.editing) {
      const field = editField({ text: v.query, editing: true }, name, input);
      set({ query: field.text, editing: field.editing, filter: { ...v.filter, text: field.text.trim().toLowerCase() }, ...(field.text !== v.query ? { pos: START } : {}) });
      return true;
    }
    if (v.detail) {
      if (action === 'back' || action === 'open') {
        set({ detail: false });
        return true;
      }
      if (action === 'decide' && current) return onPlanKey({ ...v, detail: false }, { action, name, input });
      const top = action ? scrollText(v.detailTop, action, detailLines.length, height - 1) : null;
      if (top !== null) set({ detailTop: top });
      return top !== null;
    }
    const pos = clampPosition(v.pos, rows.length, listHeight);
    const filterBy = (filter: PlanFilter) => set({ filter, pos: START, message: null });
    switch (action) {
      case 'decide': {
        const under = changesUnder(rows, pos.cursor);
        if (!L || under.length === 0) {
          set({ message: rows[pos.cursor]?.type.startsWith('conflict') ? 'conflicts cannot be approved: fix them at the source' : 'nothing here to decide' });
          return true;
        }
        decide(under, toggledDecision(L.decisions, under));
        return true;
      }
      case 'undecide':
        decide(changesUnder(rows, pos.cursor), 'pending');
        return true;
      case 'approveAll':
        decide(changesInView(rows), 'approved');
        return true;
      case 'skipAll':
        decide(changesInView(rows), 'skipped');
        return true;
      case 'kind':
        filterBy({ ...v.filter, kind: cycle(v.filter.kind, kinds) });
        return true;
      case 'op':
        filterBy({ ...v.filter, op: cycle(v.filter.op, OPS) });
        return true;
      case 'decision':
        filterBy({ ...v.filter, decision: cycle(v.filter.decision, DECISIONS) });
        return true;
      case 'group':
        set({ grouping: GROUPINGS[(GROUPINGS.indexOf(v.grouping) + 1) % GROUPINGS.length], pos: START });
        return true;
      case 'filter':
        set({ editing: true });
        return true;
      case 'open':
        if (rows[pos.cursor]) set({ detail: true, detailTop: 0 });
        return rows[pos.cursor] !== undefined;
      case 'back':
        if (isFiltered(v.filter) || v.query) {
          set({ filter: NO_FILTER, query: '', pos: START, message: null });
          return true;
        }
        set({ planId: null, pos: START, message: null });
        return true;
      default: {
        const next = action ? moveList(pos, action, rows.length, listHeight) : null;
        if (next) set({ pos: next });
        return next !== null;
      }
    }
  };

  const onKey = (event: KeyEvent): boolean => {
    const v = liveView();
    if (v.planId !== null) return onPlanKey(v, event);
    const h = Math.max(1, height - 1);
    const pos = clampPosition(v.listPos, listRows.length, h);
    if (event.action === 'open') {
      const row = listRows[pos.cursor];
      if (row?.type === 'plan') set({ ...INITIAL, planId: row.plan.id, listPos: pos });
      return row?.type === 'plan';
    }
    const next = event.action ? moveList(pos, event.action, listRows.length, h) : null;
    if (next) set({ listPos: next });
    return next !== null;
  };
  useScreenInput({
    textMode: view.editing,
    textHint: `filter: ${view.query}▏   enter keep · esc clear`,
    actions: view.planId === null ? ['down', 'up', 'open'] : view.detail ? ['down', 'up', 'decide'] : PLAN_ACTIONS,
    onKey,
  });

  if (!store) return <Text dimColor>{truncate('no database open: plans live in the store (idsync-tui plan iam|dirac …)', width)}</Text>;
  if (view.planId === null) {
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(loadError ? `could not list plans: ${clean(loadError)}` : `Plans (${plans.length}) — enter opens one for review`, width)}</Text>
        <VirtualList
          count={listRows.length}
          pos={listAt}
          height={Math.max(1, height - 1)}
          width={width}
          row={(i) => listRows[i].text}
          empty="no plans yet: idsync-tui plan iam | plan dirac | hr … stores one"
        />
      </Box>
    );
  }
  if (loadError) return <Text color="red">{truncate(`plan #${view.planId}: ${clean(loadError)}  (esc back)`, width)}</Text>;
  if (!loaded) return <Text>{truncate(`loading plan #${view.planId}…`, width)}</Text>;

  const counts = countDecisions(loaded.decisions);
  const p = loaded.plan;
  const title = `Plan #${p.id} · ${p.target} · ${clean(p.vo ?? '—')} · ${loaded.changes.length} changes · pending ${counts.pending} · approved ${counts.approved} · skipped ${counts.skipped}`;
  const inView = rows.reduce((n, r) => n + (r.type === 'change' ? 1 : 0), 0);
  const second = view.message ?? `${filterLabel(view.filter)} · by ${view.grouping} · ${inView} in view`;
  if (view.detail) {
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(`${title}  (esc back)`, width)}</Text>
        <TextView lines={detailLines.map((text) => ({ text }))} top={view.detailTop} width={width} height={height - 1} />
      </Box>
    );
  }
  const pane = paneLines(current, at.cursor, rows, loaded, width).slice(0, PANE_ROWS);
  return (
    <Box flexDirection="column">
      <Text bold>{truncate(title, width)}</Text>
      <Text color={view.message?.startsWith('not saved') ? 'red' : undefined}>{truncate(second, width)}</Text>
      <VirtualList
        count={rows.length}
        pos={at}
        height={listHeight}
        width={width}
        row={(i) => rowText(rows[i], i, rows, loaded, view.grouping)}
        empty={loaded.changes.length ? 'no change matches the filter (esc clears it)' : 'this plan has no changes: the target already matches'}
      />
      <Box flexDirection="column" height={PANE_ROWS}>
        {pane.map((l, i) => (
          <Text key={i} dimColor={i > 0}>{truncate(l, width) || ' '}</Text>
        ))}
      </Box>
    </Box>
  );
}

export const planScreen: ScreenDef = {
  id: 'plan',
  title: 'Plan',
  component: PlanScreen,
  keys: [
    { action: 'decide', keys: ['space'], description: 'approve the change or group under the cursor (again: skip it)', screens: ['plan'], inStatusBar: true },
    { action: 'approveAll', keys: ['a'], description: 'approve every change in view', screens: ['plan'], inStatusBar: true },
    { action: 'skipAll', keys: ['A'], description: 'skip every change in view', screens: ['plan'], inStatusBar: true },
    { action: 'undecide', keys: ['u'], description: 'back to pending', screens: ['plan'] },
    { action: 'kind', keys: ['f'], description: 'filter by kind (cycles through the kinds)', screens: ['plan'], inStatusBar: true },
    { action: 'op', keys: ['o'], description: 'filter by op: insert, update, delete', screens: ['plan'], inStatusBar: true },
    { action: 'decision', keys: ['d'], description: 'filter by decision: pending, approved, skipped', screens: ['plan'], inStatusBar: true },
    { action: 'group', keys: ['v'], description: 'group the changes by kind or by person', screens: ['plan'] },
  ],
};
