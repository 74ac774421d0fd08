/**
 * The bottom line: the keys that work on this screen, read from the key table, or the `:` prompt
 * with its completions, or the hint of a text field that has focus. Always one line.
 */

import { Text } from 'ink';
import { keyLabel, type KeyBinding } from '../../app/keyBindings.js';
import { truncate } from '../text.js';

export function statusText(bindings: readonly KeyBinding[]): string {
  return bindings
    .filter((b) => b.inStatusBar)
    .map((b) => `${b.keys.map(keyLabel).join('/')} ${b.action}`)
    .join('  ');
}

export interface StatusBarProps {
  width: number;
  bindings: readonly KeyBinding[];
  /** `:` prompt: what was typed and the screens it matches. */
  jump: { text: string; matches: string[] } | null;
  hint: string | null;
}

export function StatusBar({ width, bindings, jump, hint }: StatusBarProps) {
  if (jump) {
    const matches = jump.matches.length ? `  → ${jump.matches.join(' ')}` : '  (no such screen)';
    return <Text wrap="truncate">{truncate(`:${jump.text}▏${matches}   tab complete · enter go · esc cancel`, width)}</Text>;
  }
  if (hint) return <Text wrap="truncate">{truncate(hint, width)}</Text>;
  return <Text dimColor wrap="truncate">{truncate(statusText(bindings), width)}</Text>;
}
