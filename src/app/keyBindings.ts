/**
 * The key bindings, as data. Input handling, the status bar and the help screen all read this one
 * table, so what the status bar promises is what the keys do. Keys follow lazygit / k9s.
 *
 * A binding applies on the screens it lists, or everywhere (`'*'`). A screen adds its own keys in
 * its registry entry (`ScreenDef.keys`), which `bindingsFor` merges in; this file holds the keys
 * every list-like screen shares.
 */

import type { Key } from 'ink';

/** Key names as `keyName` produces them; the help screen prints them through `KEY_LABELS`. */
export type KeyName = string;

export interface KeyBinding {
  action: string;
  keys: KeyName[];
  description: string;
  /** Screen ids, or `'*'` for every screen. */
  screens: readonly string[] | '*';
  /** Shown in the status bar (the rest only in help), to keep the bar to one line. */
  inStatusBar?: boolean;
  /** The word(s) the status bar shows; default: the action in words (`skipAll` → `skip all`). */
  label?: string;
}

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { action: 'down', keys: ['j', 'down'], description: 'move down', screens: '*', inStatusBar: true },
  { action: 'up', keys: ['k', 'up'], description: 'move up', screens: '*', inStatusBar: true },
  { action: 'top', keys: ['g', 'home'], description: 'go to the first row', screens: '*' },
  { action: 'bottom', keys: ['G', 'end'], description: 'go to the last row', screens: '*' },
  { action: 'pageDown', keys: ['pgdn', 'ctrl-d'], description: 'page down', screens: '*' },
  { action: 'pageUp', keys: ['pgup', 'ctrl-u'], description: 'page up', screens: '*' },
  { action: 'filter', keys: ['/'], description: 'filter (type; enter keeps it, esc clears it)', screens: ['users', 'emails', 'plan', 'compare', 'groups'], inStatusBar: true },
  { action: 'sort', keys: ['s'], description: 'change the sort order', screens: ['users'], inStatusBar: true },
  // Only where a row opens into something: on the Overview or Groups enter would do nothing.
  { action: 'open', keys: ['enter'], description: 'open the row', screens: ['users', 'compare', 'plan', 'emails', 'hr', 'apply'], inStatusBar: true },
  { action: 'back', keys: ['esc'], description: 'back (close detail, clear filter, previous screen)', screens: '*', inStatusBar: true },
  { action: 'nextScreen', keys: ['tab'], description: 'next screen', screens: '*', inStatusBar: true, label: 'next' },
  { action: 'prevScreen', keys: ['shift-tab'], description: 'previous screen', screens: '*' },
  { action: 'jump', keys: [':'], description: 'jump to a screen by name (tab completes)', screens: '*', inStatusBar: true },
  { action: 'help', keys: ['?'], description: 'help: every key', screens: '*', inStatusBar: true },
  { action: 'quit', keys: ['q'], description: 'quit', screens: '*', inStatusBar: true },
];

export const KEY_LABELS: Record<KeyName, string> = {
  down: '↓', up: '↑', pgdn: 'PgDn', pgup: 'PgUp', home: 'Home', end: 'End', enter: 'enter', esc: 'esc',
  tab: 'tab', 'shift-tab': 'shift-tab', space: 'space', backspace: 'backspace',
};

export function keyLabel(name: KeyName): string {
  return KEY_LABELS[name] ?? name;
}

/** One name for a key press, as the table spells it. */
export function keyName(input: string, key: Key): KeyName {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageDown) return 'pgdn';
  if (key.pageUp) return 'pgup';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input.length === 1) return `ctrl-${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false,
  end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false,
  meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

/** One character of a chunk of keys, as Ink would have reported it alone. */
export function plainKey(ch: string): [string, Key] {
  if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
  if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
  if (ch === '\x7f' || ch === '\b') return ['', { ...NO_KEY, backspace: true }];
  return [ch, NO_KEY];
}

function applies(binding: KeyBinding, screenId: string): boolean {
  return binding.screens === '*' || binding.screens.includes(screenId);
}

/**
 * The bindings that work on a screen: its own first (so a screen may give a shared key another
 * meaning), then the shared ones it does not shadow.
 */
export function bindingsFor(screenId: string, screenKeys: readonly KeyBinding[] = []): KeyBinding[] {
  const own = screenKeys.filter((b) => applies(b, screenId));
  const taken = new Set(own.flatMap((b) => b.keys));
  const shared = KEY_BINDINGS.filter((b) => applies(b, screenId) && !b.keys.some((k) => taken.has(k)));
  return [...own, ...shared];
}

/** The action a key does on a screen, or null. */
export function actionFor(name: KeyName, bindings: readonly KeyBinding[]): string | null {
  for (const b of bindings) if (b.keys.includes(name)) return b.action;
  return null;
}
