/**
 * `?`: every key binding from the key table (shared keys and each screen's own), with the screens
 * where it works. Scrolls like a list when the terminal is short.
 */

import { Box, Text } from 'ink';
import { keyLabel, type KeyBinding } from '../../app/keyBindings.js';
import { fit, truncate } from '../text.js';

export interface HelpRow {
  keys: string;
  description: string;
  where: string;
}

export function helpRows(bindings: readonly KeyBinding[], titleOf: (id: string) => string): HelpRow[] {
  return bindings.map((b) => ({
    keys: b.keys.map(keyLabel).join(' / '),
    description: b.description,
    where: b.screens === '*' ? 'everywhere' : b.screens.map(titleOf).join(', '),
  }));
}

export function HelpOverlay({ rows, top, width, height }: { rows: HelpRow[]; top: number; width: number; height: number }) {
  // The description gets the room it needs first; the screens column takes what is left.
  const keyWidth = Math.min(18, Math.max(...rows.map((r) => r.keys.length), 4));
  const descWidth = Math.max(10, Math.min(Math.max(...rows.map((r) => r.description.length)), width - keyWidth - 4 - 12));
  const whereWidth = Math.max(0, width - keyWidth - descWidth - 4);
  const visible = rows.slice(top, top + Math.max(0, height - 1));
  return (
    <Box flexDirection="column">
      <Text bold>{truncate('Keys — esc or ? closes, j/k scroll', width)}</Text>
      {visible.map((r, i) => (
        <Text key={i}>{truncate(`${fit(r.keys, keyWidth)}  ${fit(r.description, descWidth)}  ${truncate(r.where, whereWidth)}`, width)}</Text>
      ))}
    </Box>
  );
}
