/**
 * What a screen is given and how it takes keys. Kept apart from the registry so a screen module
 * can import these types without importing every other screen.
 */

import type { ComponentType } from 'react';
import type { AppData } from '../app/data.js';
import type { KeyBinding, KeyName } from '../app/keyBindings.js';
import type { Store } from '../store/types.js';

/** A request from another screen, e.g. the Emails screen asking Users to open one person. */
export interface ScreenRequest {
  /** Increases with every request, so the same request twice is seen twice. */
  seq: number;
  payload: unknown;
}

export interface Navigation {
  /** Switches to a screen (by id), optionally handing it a request. */
  go(screenId: string, payload?: unknown): void;
}

export interface ScreenProps {
  data: AppData;
  /** Null in tests that render screens on plain data. */
  store: Store | null;
  width: number;
  /** Rows the screen may use; it must not render more. */
  height: number;
  active: boolean;
  nav: Navigation;
  request: ScreenRequest | null;
  /** The global options' switches a screen may need (dry run is the default; see Apply). */
  insecure: boolean;
}

export interface ScreenDef {
  id: string;
  title: string;
  component: ComponentType<ScreenProps>;
  /** Keys only this screen has (merged into the key table for the status bar and help). */
  keys?: KeyBinding[];
  /** Drawn while the records are still loading (from the snapshots alone); other screens wait for them. */
  drawsWhileLoading?: boolean;
}

export interface KeyEvent {
  /** The table's action for this key on this screen, or null. */
  action: string | null;
  name: KeyName;
  /** The raw text typed (for text fields). */
  input: string;
}

export interface ScreenInput {
  /** While true a text field has focus: every key goes to the screen, none to the global table. */
  textMode?: boolean;
  /** What the status bar says while in text mode. */
  textHint?: string;
  /**
   * The screen's actions that work in its present mode (e.g. a detail view has no `sort`); the
   * status bar shows only these besides the shell's own. Unset: every binding of the screen.
   */
  actions?: readonly string[];
  /** Returns true when the screen used the key; otherwise the app applies the global action. */
  onKey(event: KeyEvent): boolean;
}
