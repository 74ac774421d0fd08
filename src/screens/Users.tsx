/**
 * Users: every person, as a windowed list (only the visible rows are rendered), with `/` to filter
 * by id, name, email, DN or FQAN, `s` to change the order, and enter for the detail with VOMS /
 * IAM / HR / DIRAC side by side. Sorting and filtering run on prepared indexes (app/peopleQuery).
 */

import { Box, Text } from 'ink';
import { useEffect, useMemo } from 'react';
import type { Person } from '../app/data.js';
import { START, clampPosition, moveList, scrollText, type ListPosition } from '../app/listNav.js';
import { SORT_ORDERS } from '../app/peopleQuery.js';
import { useScreenInput } from '../app/screenInput.js';
import { usePeopleFilter } from '../app/usePeopleFilter.js';
import { usePeopleSort } from '../app/usePeopleSort.js';
import { filterKey } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import { VirtualList } from './components/VirtualList.js';
import { TextView } from './components/TextView.js';
import { detailColumns, sideBySide, sourceFlags, vomsIamDifferences } from './personDetail.js';
import { clean, fit, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

/** Ask the Users screen to open one person: `nav.go('users', { openPerson: key })`. */
export interface OpenPersonRequest {
  openPerson: string;
}

function columns(width: number) {
  const fixed = 2 + 8 + 4 + 5 + 3; // marker, id, certs, flags, gaps
  const rest = Math.max(10, width - fixed);
  const name = Math.max(6, Math.floor(rest * 0.42));
  return { name, email: Math.max(4, rest - name - 1) };
}

function rowCells(p: Person): string[] {
  const id = p.vomsId === null ? 'iam' : String(p.vomsId);
  const flags = `${p.suspended ? 'S' : ' '}${sourceFlags(p)}`;
  return [id.padStart(7), clean(p.name), clean(p.email), String(p.dns.length).padStart(2), flags];
}

function rowText(p: Person, w: { name: number; email: number }): string {
  const [id, name, email, certs, flags] = rowCells(p);
  return `${id} ${fit(name, w.name)} ${fit(email, w.email)} ${certs} ${flags}`;
}

/** The flag column is five letters; without this line an admin has to guess what they mean. */
const FLAGS_LEGEND = '  · S suspended, V I H D: in VOMS IAM HR DIRAC';

interface UsersView {
  sortIndex: number;
  query: string;
  /** The `/` field has focus. */
  editing: boolean;
  pos: ListPosition;
  /** The person whose detail is open (key), or null for the list. */
  detail: string | null;
  detailTop: number;
}

const INITIAL: UsersView = { sortIndex: 0, query: '', editing: false, pos: START, detail: null, detailTop: 0 };

function Users({ data, width, height, request }: ScreenProps) {
  const [view, setView, liveView] = useLiveState<UsersView>(INITIAL);
  const { sortIndex, query, editing, pos, detail, detailTop } = view;

  const order = SORT_ORDERS[sortIndex];
  const { rows: source, pending: sorting } = usePeopleSort(data.people, order);
  const { rows, pending } = usePeopleFilter(source, query);

  const listHeight = Math.max(1, height - 2);
  const at = clampPosition(pos, rows.length, listHeight);
  // Looked up when the open detail changes, not on every frame: a million people take a while to scan.
  const person = useMemo(() => (detail === null ? null : (data.people.find((p) => p.key === detail) ?? null)), [detail, data.people]);
  const detailLines = useMemo(() => {
    if (!person) return [];
    const differs = vomsIamDifferences(person);
    const lines = sideBySide(detailColumns(person), width);
    return differs.length ? [`VOMS and IAM differ: ${differs.join(', ')}`, ...lines] : lines;
  }, [person, width]);

  useEffect(() => {
    const payload = request?.payload as Partial<OpenPersonRequest> | undefined;
    if (!payload?.openPerson) return;
    const index = source.findIndex((p) => p.key === payload.openPerson);
    setView((v) => ({
      ...v,
      query: '',
      editing: false,
      detail: payload.openPerson ?? null,
      detailTop: 0,
      pos: index >= 0 ? clampPosition({ cursor: index, top: index }, source.length, listHeight) : v.pos,
    }));
  }, [request]);

  const onKey = (event: KeyEvent): boolean => {
    const { action } = event;
    const v = liveView();
    const set = (change: Partial<UsersView>) => setView((x) => ({ ...x, ...change }));
    const field = v.detail === null ? filterKey({ text: v.query, editing: v.editing }, event) : null;
    if (field) {
      set({ query: field.text, editing: field.editing, ...(field.text !== v.query ? { pos: START } : {}) });
      return true;
    }
    if (v.detail !== null) {
      if (action === 'back') {
        set({ detail: null });
        return true;
      }
      const next = action ? scrollText(v.detailTop, action, detailLines.length, height - 1) : null;
      if (next === null) return false;
      set({ detailTop: next });
      return true;
    }
    switch (action) {
      case 'sort':
        set({ sortIndex: (v.sortIndex + 1) % SORT_ORDERS.length, pos: START });
        return true;
      case 'open': {
        const p = rows[clampPosition(v.pos, rows.length, listHeight).cursor];
        if (p) set({ detail: p.key, detailTop: 0 });
        return p !== undefined;
      }
      default: {
        const next = action ? moveList(clampPosition(v.pos, rows.length, listHeight), action, rows.length, listHeight) : null;
        if (next) set({ pos: next });
        return next !== null;
      }
    }
  };
  useScreenInput({
    textMode: editing,
    actions: detail !== null ? ['down', 'up'] : undefined,
    textHint: `filter: ${query}▏  (${rows.length} match)   enter keep · esc clear · backspace delete`,
    onKey,
  });

  if (person) {
    const title = `${person.vomsId === null ? 'IAM account' : `VOMS user ${person.vomsId}`}: ${clean(person.name)}  (esc back, j/k scroll)`;
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(title, width)}</Text>
        <TextView lines={detailLines.map((text) => ({ text }))} top={detailTop} width={width} height={height - 1} />
      </Box>
    );
  }

  const w = columns(width);
  const shown = rows.length ? `${at.top + 1}–${Math.min(rows.length, at.top + listHeight)} of ${rows.length}` : '0';
  const filtering = (sorting === null ? '' : `  sorting… ${Math.floor(sorting * 100)} %`) + (pending === null ? '' : `  filtering… ${Math.floor(pending * 100)} %`);
  const filterText = (query ? `  filter "${clean(query)}"${editing ? '▏' : ''}` : editing ? '  filter ▏' : '') + filtering;
  const info = `Users ${shown}${data.people.length !== rows.length ? ` (of ${data.people.length})` : ''}  sort: ${order.label}${filterText}${FLAGS_LEGEND}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{truncate(info, width)}</Text>
      <Text bold wrap="truncate">{truncate(`  ${'id'.padStart(7)} ${fit('name', w.name)} ${fit('email', w.email)} ${'#c'.padStart(2)} S${'VIHD'}`, width)}</Text>
      <VirtualList
        count={rows.length}
        pos={at}
        height={listHeight}
        width={width}
        row={(i) => rowText(rows[i], w)}
        columns={{ widths: [7, w.name, w.email, 2], cells: (i) => rowCells(rows[i]) }}
        empty={query ? `no user matches "${clean(query)}"` : 'no users loaded: import a VOMS or IAM dump'}
      />
    </Box>
  );
}

export const usersScreen: ScreenDef = { id: 'users', title: 'Users', component: Users };
