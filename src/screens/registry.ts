/**
 * Every screen of the TUI, in tab order. To add a screen:
 *   1. write `src/screens/<Name>.tsx` exporting `export const <name>Screen: ScreenDef = { id, title,
 *      component, keys? }`; the component gets `ScreenProps` (data, store, width, height, nav,
 *      request) and must render at most `height` rows;
 *   2. take keys with `useScreenInput({ onKey })` from `src/app/screenInput.ts`: return true for a
 *      key you used. Shared actions (up/down/top/bottom/pageUp/pageDown/back, and open/filter on
 *      the screens their bindings list) arrive by name from `src/app/keyBindings.ts`; keys of your
 *      own go in `keys` (they then show in the status bar and help, and `onKey` receives their
 *      `action`); a screen whose rows open adds its id to the `open` binding;
 *   3. add one line to `SCREENS` below. `:` jump, tab, help and the header pick it up from here.
 */

import { applyScreen } from './ApplyScreen.js';
import { auditScreen } from './AuditScreen.js';
import { compareScreen } from './CompareScreen.js';
import { emailsScreen } from './Emails.js';
import { hrScreen } from './HrScreen.js';
import { groupsScreen } from './GroupsScreen.js';
import { overviewScreen } from './Overview.js';
import { planScreen } from './PlanScreen.js';
import { provisioningScreen } from './ProvisioningScreen.js';
import { usersScreen } from './Users.js';
import type { ScreenDef } from './types.js';

export const SCREENS: readonly ScreenDef[] = [
  overviewScreen,
  usersScreen,
  compareScreen,
  planScreen,
  emailsScreen,
  hrScreen,
  groupsScreen,
  provisioningScreen,
  applyScreen,
  auditScreen,
];

export function findScreen(id: string, screens: readonly ScreenDef[] = SCREENS): ScreenDef | undefined {
  return screens.find((s) => s.id === id);
}

/**
 * Screens whose id or title starts with what was typed after `:` (any case); when none does, those
 * that contain it. The first is where enter goes.
 */
export function matchScreens(text: string, screens: readonly ScreenDef[] = SCREENS): ScreenDef[] {
  const t = text.trim().toLowerCase();
  if (!t) return [...screens];
  const starts = screens.filter((s) => s.id.toLowerCase().startsWith(t) || s.title.toLowerCase().startsWith(t));
  return starts.length ? starts : screens.filter((s) => s.id.toLowerCase().includes(t) || s.title.toLowerCase().includes(t));
}

/** Tab completion: the longest common prefix of the matching ids, or the typed text. */
export function completeScreen(text: string, screens: readonly ScreenDef[] = SCREENS): string {
  const ids = matchScreens(text, screens).map((s) => s.id);
  if (ids.length === 0) return text;
  let prefix = ids[0];
  for (const id of ids) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.length >= text.trim().length ? prefix : text;
}
