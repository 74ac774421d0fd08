/**
 * Audit: who decided and applied what, when, with which result — the store's audit log, newest
 * first, one line each. `/` narrows it to lines containing the text (a plan: `plan 3`, an actor,
 * an action such as `apply`); `r` reads the log again.
 */

import { Box, Text } from 'ink';
import { useState } from 'react';
import type { KeyBinding } from '../app/keyBindings.js';
import { useScreenInput } from '../app/screenInput.js';
import { filterKey, type TextField } from '../app/textField.js';
import { auditLine } from '../commands/audit.js';
import type { AuditEntry } from '../store/types.js';
import { clean, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

const ID = 'audit';

const KEYS: KeyBinding[] = [
  { action: 'filter', keys: ['/'], description: 'show only lines with this text (plan 3, apply, a user)', screens: [ID], inStatusBar: true },
  { action: 'refresh', keys: ['r'], description: 'read the audit log again', screens: [ID], inStatusBar: true },
];

/** Newest first, narrowed to the lines that contain the filter text (any case). */
export function auditRows(entries: readonly AuditEntry[], filter: string): string[] {
  const f = filter.trim().toLowerCase();
  return entries.map(auditLine).reverse().filter((line) => !f || line.toLowerCase().includes(f));
}

function Audit({ store, width, height }: ScreenProps) {
  const [version, setVersion] = useState(0);
  const [top, setTop] = useState(0);
  const [filter, setFilter] = useState<TextField>({ text: '', editing: false });
  void version;
  const rows = store ? auditRows(store.listAudit(), filter.text) : [];
  const bodyHeight = Math.max(1, height - 2);
  const maxTop = Math.max(0, rows.length - bodyHeight);
  const first = Math.min(top, maxTop);

  const onKey = (e: KeyEvent): boolean => {
    const next = filterKey(filter, e);
    if (next) {
      setFilter(next);
      setTop(0);
      return true;
    }
    const move: Record<string, number> = { down: 1, up: -1, pageDown: bodyHeight, pageUp: -bodyHeight, top: -Infinity, bottom: Infinity };
    if (e.action && e.action in move) {
      setTop(Math.max(0, Math.min(maxTop, first + move[e.action])));
      return true;
    }
    if (e.action === 'refresh') {
      setVersion((v) => v + 1);
      return true;
    }
    return false;
  };
  useScreenInput({ textMode: filter.editing, textHint: 'type to filter · enter keep · esc clear', onKey });

  const title = store ? `Audit log: ${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}${filter.text ? ` matching "${clean(filter.text)}"` : ''}, newest first` : 'no database open: nothing to audit';
  return (
    <Box flexDirection="column" height={height}>
      <Text color="cyan" wrap="truncate">{truncate(title, width)}</Text>
      {rows.slice(first, first + bodyHeight).map((line, i) => (
        <Text key={first + i} color={/ apply(-end)? .*: (ERR|INV|LEN|REQ|DNE)\b| \d+ failed/.test(line) && !/ 0 failed/.test(line) ? 'red' : undefined} wrap="truncate">{truncate(clean(line), width)}</Text>
      ))}
      {filter.editing ? <Text color="yellow">{truncate(`filter: ${clean(filter.text)}▏`, width)}</Text> : null}
    </Box>
  );
}

export const auditScreen: ScreenDef = { id: ID, title: 'Audit', component: Audit, keys: KEYS };
