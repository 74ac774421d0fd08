/**
 * Groups: each FQAN of the VO beside the IAM group it becomes and the DIRAC groups mapped to it,
 * with member counts where known; IAM groups that are missing or carry the wrong `voms.role` label
 * are marked. The DIRAC side comes from the CFG kept with the newest DIRAC snapshot. `/` filters.
 */

import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { START, clampPosition, moveList, type ListPosition } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import { parseCfg } from '../engine/dirac/cfg.js';
import { type DiracGroup, readRegistry } from '../engine/dirac/registry.js';
import type { DiracExtra } from '../engine/sources/dirac.js';
import type { Store } from '../store/types.js';
import { VirtualList } from './components/VirtualList.js';
import { groupRows, type GroupRow } from './groups/model.js';
import { clean, fit, truncate, wrap } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

interface GroupsState {
  query: string;
  editing: boolean;
  pos: ListPosition;
}

/** The Registry groups of a DIRAC snapshot, or null with the reason they are not known. */
function diracGroups(store: Store | null, snapshotId: number | undefined): { groups: DiracGroup[] | null; note: string | null } {
  if (!store || snapshotId === undefined) return { groups: null, note: 'no DIRAC snapshot: idsync-tui import dirac FILE' };
  try {
    const extra = store.readExtra<DiracExtra>(snapshotId);
    if (!extra?.cfgText) return { groups: null, note: `DIRAC snapshot ${snapshotId} keeps no configuration text` };
    return { groups: readRegistry(parseCfg(extra.cfgText, `snapshot ${snapshotId}`)).groups, note: null };
  } catch (err) {
    return { groups: null, note: `DIRAC snapshot ${snapshotId}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function widths(width: number) {
  const counts = 6 * 2 + 4;
  const rest = Math.max(30, width - counts - 2);
  const fqan = Math.floor(rest * 0.34);
  const iam = Math.floor(rest * 0.33);
  return { fqan, iam, dirac: Math.max(8, rest - fqan - iam) };
}

const count = (n: number | null) => (n === null ? '?' : String(n)).padStart(6);

function iamText(r: GroupRow): string {
  return r.iamGroup === null ? '—' : `${clean(r.iamGroup)}${r.iamNote ? ` (${r.iamNote})` : ''}`;
}

function diracText(r: GroupRow): string {
  return r.dirac.length ? r.dirac.map((d) => `${clean(d.name)} ${d.users}${d.autoSyncVoms ? '' : ' (no sync)'}`).join(', ') : '—';
}

/** The row under the cursor in full: on 80 columns the clash notes do not fit in the table. */
const PANE_ROWS = 2;
function paneText(r: GroupRow | undefined): string {
  if (!r) return '';
  return `${r.fqan === null ? '— (no VOMSRole)' : clean(r.fqan)} → IAM ${iamText(r)} → DIRAC ${diracText(r)}`;
}

function rowText(r: GroupRow, w: ReturnType<typeof widths>): string {
  const iam = iamText(r);
  const dirac = diracText(r);
  return `${fit(r.fqan === null ? '— (no VOMSRole)' : clean(r.fqan), w.fqan)} ${count(r.vomsUsers)}  ${fit(iam, w.iam)} ${count(r.iamMembers)}  ${truncate(dirac, w.dirac)}`;
}

function Groups({ data, store, width, height }: ScreenProps) {
  const [state, setState, liveState] = useLiveState<GroupsState>({ query: '', editing: false, pos: START });
  const set = (change: Partial<GroupsState>) => setState((x) => ({ ...x, ...change }));
  const diracId = data.snapshots.dirac?.id;
  const dirac = useMemo(() => diracGroups(store, diracId), [store, diracId]);
  const all = useMemo(
    () => (data.vo ? groupRows({ vo: data.vo, voms: data.voms, iamUsers: data.iamUsers, iamGroups: data.iamGroups, dirac: dirac.groups }) : []),
    [data, dirac],
  );
  const rows = useMemo(() => {
    const q = state.query.trim().toLowerCase();
    return q ? all.filter((r) => r.search.includes(q)) : all;
  }, [all, state.query]);
  const listHeight = Math.max(1, height - 2 - PANE_ROWS);
  const at = clampPosition(state.pos, rows.length, listHeight);

  const onKey = ({ action, name, input }: KeyEvent): boolean => {
    const s = liveState();
    if (s.editing) {
      const field = editField({ text: s.query, editing: true }, name, input);
      set({ query: field.text, editing: field.editing, ...(field.text !== s.query ? { pos: START } : {}) });
      return true;
    }
    if (action === 'filter') {
      set({ editing: true });
      return true;
    }
    if (action === 'back' && s.query) {
      set({ query: '', pos: START });
      return true;
    }
    const next = action ? moveList(clampPosition(s.pos, rows.length, listHeight), action, rows.length, listHeight) : null;
    if (next) set({ pos: next });
    return next !== null;
  };
  useScreenInput({ textMode: state.editing, textHint: `filter: ${state.query}▏   enter keep · esc clear`, actions: ['filter', 'down', 'up'], onKey });

  const w = widths(width);
  const info = `Groups of ${clean(data.vo ?? '?')}: ${rows.length}${rows.length !== all.length ? ` of ${all.length}` : ''}${state.query ? `  filter "${clean(state.query)}"` : ''}${dirac.note ? `  · ${clean(dirac.note)}` : ''}`;
  const heading = `  ${fit('FQAN', w.fqan)} ${'VOMS'.padStart(6)}  ${fit('IAM group', w.iam)} ${'IAM'.padStart(6)}  DIRAC group users`;
  return (
    <Box flexDirection="column">
      <Text>{truncate(info, width)}</Text>
      <Text bold>{truncate(heading, width)}</Text>
      <Box flexDirection="column" height={listHeight}>
        <VirtualList
          count={rows.length}
          pos={at}
          height={listHeight}
          width={width}
          row={(i) => rowText(rows[i], w)}
          empty={!data.vo ? 'no VO known: import a VOMS dump or give --vo' : state.query ? 'no group matches the filter' : 'no groups: import VOMS, IAM or DIRAC data'}
        />
      </Box>
      <Box flexDirection="column" height={PANE_ROWS}>
        {wrap(paneText(rows[at.cursor]), width).slice(0, PANE_ROWS).map((l, i) => (
          <Text key={i} dimColor>{truncate(l, width)}</Text>
        ))}
      </Box>
    </Box>
  );
}

export const groupsScreen: ScreenDef = { id: 'groups', title: 'Groups', component: Groups };
