/**
 * Compare: where VOMS and IAM disagree, per person (default) or per certificate DN (`v`), as the
 * engine's comparison reports it. `f` cycles through the kinds of difference (not in IAM, mail,
 * roles, …), `/` filters by text, enter opens a person with VOMS and IAM side by side and what
 * differs highlighted. The comparison runs once per data set, after a first frame, never while
 * rendering.
 */

import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { START, clampPosition, moveList, scrollText, type ListPosition } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import type { AppData } from '../app/data.js';
import { compareVomsIam, type VomsIamComparison } from '../engine/comparison/index.js';
import type { IamUser, VomsUser } from '../engine/model.js';
import { TextView } from './components/TextView.js';
import { VirtualList } from './components/VirtualList.js';
import { dnRows, filterRows, kindWord, kindsIn, personDetailLines, personRows, type CompareView } from './compare/model.js';
import { cycle } from './plan/model.js';
import { clean, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

interface CompareState {
  view: CompareView;
  kind: string | null;
  query: string;
  editing: boolean;
  pos: ListPosition;
  detail: number | null;
  detailTop: number;
}

const INITIAL: CompareState = { view: 'people', kind: null, query: '', editing: false, pos: START, detail: null, detailTop: 0 };

type Outcome = { data: AppData; report: VomsIamComparison } | { data: AppData; error: string };

function useComparison(data: AppData): Outcome | null {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => {
      try {
        if (!data.vo) throw new Error('no VO known: import a VOMS dump or give --vo');
        setOutcome({ data, report: compareVomsIam({ vo: data.vo, voms: data.voms, iamUsers: data.iamUsers, iamGroups: data.iamGroups }) });
      } catch (err) {
        setOutcome({ data, error: err instanceof Error ? err.message : String(err) });
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [data]);
  return outcome && outcome.data === data ? outcome : null;
}

function Compare({ data, width, height }: ScreenProps) {
  const outcome = useComparison(data);
  const report = outcome && 'report' in outcome ? outcome.report : null;
  const [state, setState, liveState] = useLiveState<CompareState>(INITIAL);
  const set = (change: Partial<CompareState>) => setState((x) => ({ ...x, ...change }));

  const all = useMemo(() => (report ? (state.view === 'people' ? personRows(report) : dnRows(report)) : []), [report, state.view]);
  const kinds = useMemo(() => kindsIn(all), [all]);
  const rows = useMemo(() => filterRows(all, state.kind, state.query), [all, state.kind, state.query]);
  const byVomsId = useMemo(() => new Map<number, VomsUser>(data.voms.map((u) => [u.id, u])), [data.voms]);
  const byIamId = useMemo(() => new Map<string, IamUser>(data.iamUsers.map((u) => [u.id, u])), [data.iamUsers]);

  const listHeight = Math.max(1, height - 2);
  const at = clampPosition(state.pos, rows.length, listHeight);
  const person = report && state.detail !== null ? report.people[state.detail] : null;
  const detailLines = useMemo(
    () => (person ? personDetailLines(person, person.vomsId === null ? null : (byVomsId.get(person.vomsId) ?? null), person.iamId === null ? null : (byIamId.get(person.iamId) ?? null), width) : []),
    [person, byVomsId, byIamId, width],
  );

  const onKey = ({ action, name, input }: KeyEvent): boolean => {
    const s = liveState();
    if (s.editing) {
      const field = editField({ text: s.query, editing: true }, name, input);
      set({ query: field.text, editing: field.editing, ...(field.text !== s.query ? { pos: START } : {}) });
      return true;
    }
    if (s.detail !== null) {
      if (action === 'back') {
        set({ detail: null });
        return true;
      }
      const top = action ? scrollText(s.detailTop, action, detailLines.length, height - 1) : null;
      if (top !== null) set({ detailTop: top });
      return top !== null;
    }
    const pos = clampPosition(s.pos, rows.length, listHeight);
    switch (action) {
      case 'kind':
        set({ kind: cycle(s.kind, kinds), pos: START });
        return true;
      case 'view':
        set({ view: s.view === 'people' ? 'dns' : 'people', kind: null, pos: START });
        return true;
      case 'filter':
        set({ editing: true });
        return true;
      case 'back':
        if (s.kind === null && !s.query) return false;
        set({ kind: null, query: '', pos: START });
        return true;
      case 'open': {
        const p = rows[pos.cursor]?.person ?? -1;
        if (p >= 0) set({ detail: p, detailTop: 0 });
        return p >= 0;
      }
      default: {
        const next = action ? moveList(pos, action, rows.length, listHeight) : null;
        if (next) set({ pos: next });
        return next !== null;
      }
    }
  };
  useScreenInput({
    textMode: state.editing,
    textHint: `filter: ${state.query}▏  (${rows.length} match)   enter keep · esc clear`,
    actions: state.detail !== null ? ['down', 'up'] : ['kind', 'view', 'filter', 'open', 'down', 'up'],
    onKey,
  });

  if (!outcome) return <Text>{truncate('comparing VOMS and IAM…', width)}</Text>;
  if ('error' in outcome) return <Text color="red">{truncate(`cannot compare: ${clean(outcome.error)}`, width)}</Text>;
  if (person) {
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(`${clean(person.displayName ?? person.userName ?? '')}: VOMS │ IAM  (esc back, j/k scroll)`, width)}</Text>
        <TextView lines={detailLines} top={state.detailTop} width={width} height={height - 1} />
      </Box>
    );
  }
  const s = report!.summary;
  const summary =
    state.view === 'people'
      ? `People: ${s.peopleMatched} matched · ${s.peopleDiffering} differ (${s.peopleWithChangedCertificates} certificate changed) · ${s.peopleMissingInIam} not in IAM · ${s.peopleMissingInVoms} not in VOMS`
      : `DNs: ${s.vomsEntries} VOMS · ${s.iamEntries} IAM · ${s.missingInIam} not in IAM · ${s.missingInVoms} not in VOMS · ${s.differing} differ`;
  const filters = `${state.view === 'people' ? 'per person' : 'per DN'} · kind ${state.kind === null ? 'all' : kindWord(state.kind)}${state.query ? ` · "${clean(state.query)}"` : ''} · ${rows.length} shown`;
  const empty = !data.voms.length || !data.iamUsers.length ? 'import both a VOMS and an IAM dump to compare them' : all.length ? 'nothing matches the filter (esc clears it)' : 'VOMS and IAM agree';
  return (
    <Box flexDirection="column">
      <Text bold>{truncate(summary, width)}</Text>
      <Text>{truncate(filters, width)}</Text>
      <VirtualList count={rows.length} pos={at} height={listHeight} width={width} row={(i) => rows[i].text} empty={empty} />
    </Box>
  );
}

export const compareScreen: ScreenDef = {
  id: 'compare',
  title: 'Compare',
  component: Compare,
  keys: [
    { action: 'kind', keys: ['f'], description: 'filter by kind of difference (cycles: not in IAM, mail, roles, …)', screens: ['compare'], inStatusBar: true },
    { action: 'view', keys: ['v'], description: 'per person or per certificate DN', screens: ['compare'], inStatusBar: true },
  ],
};
