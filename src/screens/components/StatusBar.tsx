/**
 * The bottom line: the keys that work on this screen, read from the key table, or the `:` prompt
 * with its completions, or the hint of a text field that has focus. Always one line.
 */

import { Text } from 'ink';
import { keyLabel, type KeyBinding } from '../../app/keyBindings.js';
import { truncate } from '../text.js';

/** `nextScreen` → `next screen`, unless the binding names itself for the bar. */
function words(b: KeyBinding): string {
  return b.label ?? b.action.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

/** Always shown, last: whoever is lost on a narrow terminal still finds every key behind `?`. */
const KEPT = new Set(['help', 'quit']);

/**
 * The keys for the bar, in table order, cut to `width`: when they do not all fit, the screen's
 * keys are dropped from the end (marked `…`) so that `? help` and `q quit` always stay.
 */
export function statusText(bindings: readonly KeyBinding[], width = Infinity): string {
  const shown = bindings.filter((b) => b.inStatusBar);
  const part = (b: KeyBinding) => `${b.keys.map(keyLabel).join('/')} ${words(b)}`;
  const all = shown.map(part).join('  ');
  if (all.length <= width) return all;
  const tail = shown.filter((b) => KEPT.has(b.action)).map(part).join('  ');
  const room = width - tail.length - 3;
  let head = '';
  for (const b of shown) {
    if (KEPT.has(b.action)) continue;
    const next = head ? `${head}  ${part(b)}` : part(b);
    if (next.length > room) break;
    head = next;
  }
  return truncate(head ? `${head} …  ${tail}` : tail, width);
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
  return <Text dimColor wrap="truncate">{statusText(bindings, width)}</Text>;
}
