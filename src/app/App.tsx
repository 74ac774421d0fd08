/**
 * The TUI shell: header, the current screen, status bar; `?` help, `:` jump, tab, esc, q. One
 * `useInput` for the whole app, active only when stdin is a terminal; each key goes to the visible
 * screen first (see screenInput.ts), then to the shared key table. Screens once visited stay
 * mounted (and render nothing while hidden) so they keep their cursor and filter.
 */

import { Box, Text, useApp, useInput, useStdin, useStdout, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { HEADER_ROWS, Header } from '../screens/components/Header.js';
import { HelpOverlay, helpRows } from '../screens/components/HelpOverlay.js';
import { StatusBar } from '../screens/components/StatusBar.js';
import { SCREENS, completeScreen, matchScreens } from '../screens/registry.js';
import { clean, loadingText, truncate } from '../screens/text.js';
import type { Navigation, ScreenDef, ScreenRequest } from '../screens/types.js';
import type { Store } from '../store/types.js';
import type { AppData, AppLoad } from './data.js';
import { KEY_BINDINGS, actionFor, bindingsFor, keyName, plainKey, type KeyBinding } from './keyBindings.js';
import { scrollText } from './listNav.js';
import { ScreenSlotContext, type ScreenSlot } from './screenInput.js';
import { runInSlices } from './slices.js';
import { appReducer, initialAppState, type AppAction } from './state.js';
import { useLiveState } from './useLiveState.js';

/** The shell's own actions: always in the status bar, whatever the screen's mode. */
const GLOBAL_ACTIONS = new Set(['back', 'nextScreen', 'jump', 'help', 'quit']);
const HELP_HINT = 'j/k ↑/↓ PgUp/PgDn g/G scroll  esc/?/q close help';

export interface AppProps {
  /**
   * The data to show, or a loader started after the first frame: its shell (the snapshots) is shown
   * at once, its records arrive in slices between frames.
   */
  data?: AppData;
  load?: () => AppLoad;
  store?: Store | null;
  insecure?: boolean;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  columns?: number;
  rows?: number;
  screens?: readonly ScreenDef[];
  initialScreen?: string;
}

function useTerminalSize(columns?: number, rows?: number): { width: number; height: number } {
  const { stdout } = useStdout();
  const read = () => ({ width: stdout.columns || 80, height: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return { width: columns ?? size.width, height: rows ?? size.height };
}

export function App({ data: given, load, store = null, insecure = false, columns, rows, screens = SCREENS, initialScreen }: AppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { width, height: termRows } = useTerminalSize(columns, rows);
  const [data, setData] = useState<AppData | null>(given ?? null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [state, setState, liveState] = useLiveState(() => initialAppState(initialScreen ?? screens[0].id));
  const dispatch = (action: AppAction) => setState((s) => appReducer(s, action));
  const slots = useRef(new Map<string, ScreenSlot>());
  const [now] = useState(() => Date.now());

  useEffect(() => {
    if (given || !load) return;
    const fail = (err: unknown) => setLoadError(err instanceof Error ? err.message : String(err));
    let stop = () => undefined as void;
    const timer = setTimeout(() => {
      try {
        const { shell, steps } = load();
        setData(shell);
        stop = runInSlices(steps, {
          onProgress: (loading) => setData((d) => (d ? { ...d, loading } : d)),
          onDone: setData,
          onError: fail,
        });
      } catch (err) {
        fail(err);
      }
    }, 0);
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [given, load]);
  useEffect(() => {
    if (given) setData(given);
  }, [given]);

  const current = screens.find((s) => s.id === state.screen) ?? screens[0];
  const bindings = useMemo(() => bindingsFor(current.id, current.keys), [current]);
  const allBindings: KeyBinding[] = useMemo(
    () => [...KEY_BINDINGS, ...screens.flatMap((s) => (s.keys ?? []).map((k) => ({ ...k, screens: k.screens === '*' ? [s.id] : k.screens })))],
    [screens],
  );
  const titleOf = (id: string) => screens.find((s) => s.id === id)?.title ?? id;
  const help = useMemo(() => helpRows(allBindings, titleOf), [allBindings]);

  // The frame is at most rows − 1 lines, so the terminal never scrolls: header, body, status bar.
  const bodyHeight = Math.max(1, termRows - 1 - HEADER_ROWS - 1);
  const [, redraw] = useState(0);
  const slotFor = (id: string): ScreenSlot => {
    let slot = slots.current.get(id);
    if (!slot) slots.current.set(id, (slot = { current: null, changed: () => redraw((n) => n + 1) }));
    return slot;
  };
  const nav: Navigation = useMemo(() => ({ go: (screen, payload) => dispatch({ type: 'go', screen, payload }) }), []);
  const jumpMatches = state.overlay === 'jump' ? matchScreens(state.jumpText, screens) : [];

  const handleKey = (input: string, key: Key) => {
      const name = keyName(input, key);
      const state = liveState();
      const current = screens.find((s) => s.id === state.screen) ?? screens[0];
      const bindings = bindingsFor(current.id, current.keys);
      if (state.overlay === 'jump') {
        if (name === 'esc') dispatch({ type: 'overlay', overlay: null });
        else if (name === 'enter') {
          const target = matchScreens(state.jumpText, screens)[0];
          dispatch(target ? { type: 'go', screen: target.id } : { type: 'overlay', overlay: null });
        } else if (name === 'tab') dispatch({ type: 'jumpText', text: completeScreen(state.jumpText, screens) });
        else if (name === 'backspace') dispatch({ type: 'jumpText', text: state.jumpText.slice(0, -1) });
        else if (input && input.length === 1 && input >= ' ') dispatch({ type: 'jumpText', text: state.jumpText + input });
        return;
      }
      const action = actionFor(name, state.overlay === 'help' ? KEY_BINDINGS : bindings);
      if (state.overlay === 'help') {
        if (action === 'back' || action === 'help' || action === 'quit') dispatch({ type: 'overlay', overlay: null });
        else {
          const top = action ? scrollText(state.helpTop, action, help.length, bodyHeight - 1) : null;
          if (top !== null) dispatch({ type: 'helpTop', top });
        }
        return;
      }
      const slot = slotFor(current.id).current;
      if (slot?.textMode) {
        slot.onKey({ action, name, input });
        return;
      }
      if (slot?.onKey({ action, name, input })) return;
      switch (action) {
        case 'quit':
          exit();
          return;
        case 'help':
          dispatch({ type: 'overlay', overlay: 'help' });
          return;
        case 'jump':
          dispatch({ type: 'overlay', overlay: 'jump' });
          return;
        case 'nextScreen':
        case 'prevScreen': {
          const i = screens.indexOf(current);
          const step = action === 'nextScreen' ? 1 : -1;
          dispatch({ type: 'go', screen: screens[(i + step + screens.length) % screens.length].id });
          return;
        }
        case 'back':
          dispatch({ type: 'back' });
          return;
        default:
      }
  };
  useInput(
    (input, key) => {
      // Ink hands several plain keys that arrived together (typed fast, pasted) over as one
      // string: each is a key of its own, so `/q` filters for q and `:users⏎` jumps.
      if (input.length > 1 && !key.ctrl && !key.meta && keyName(input, key) === input) {
        for (const ch of input) handleKey(...plainKey(ch));
      } else if (key.meta && !key.escape && input.length === 1 && keyName(input, key) === input) {
        // ESC then a key, typed quickly, reaches us as Alt+key: we have no Alt bindings, so it is both.
        handleKey('', { ...key, meta: false, escape: true });
        handleKey(...plainKey(input));
      } else handleKey(input, key);
    },
    { isActive: isRawModeSupported === true },
  );

  const slot = slotFor(current.id).current;
  // In help only scrolling and closing work: the bar says so rather than offering tab or `:`.
  const hint =
    state.overlay === 'help' ? HELP_HINT : slot?.textMode ? (slot.textHint ?? 'typing… enter done · esc cancel') : null;
  let body;
  if (loadError) body = <Text color="red">{truncate(`could not load the database: ${clean(loadError)}`, width)}</Text>;
  else if (!data) body = <Text>loading…</Text>;
  else if (state.overlay === 'help') body = <HelpOverlay rows={help} top={state.helpTop} width={width} height={bodyHeight} />;
  else if (data.loading && !current.drawsWhileLoading) body = <Text>{truncate(`${current.title}: ${loadingText(data.loading)}`, width)}</Text>;
  else
    body = state.visited.map((id) => {
      const def = screens.find((s) => s.id === id);
      // A screen waits for the records unless it can draw from the snapshots alone.
      if (!def || (data.loading && !def.drawsWhileLoading)) return null;
      const Screen = def.component;
      const active = id === current.id;
      const request: ScreenRequest | null = state.request?.screen === id ? { seq: state.request.seq, payload: state.request.payload } : null;
      return (
        <ScreenSlotContext.Provider key={id} value={slotFor(id)}>
          <Hidden show={active}>
            <Screen data={data} store={store} width={width} height={bodyHeight} active={active} nav={nav} request={request} insecure={insecure} />
          </Hidden>
        </ScreenSlotContext.Provider>
      );
    });

  return (
    <Box flexDirection="column" width={width}>
      <Header data={data} width={width} insecure={insecure} dryRun screens={[...screens]} current={current.id} now={now} />
      <Box flexDirection="column" height={bodyHeight} overflowY="hidden">
        {body}
      </Box>
      <StatusBar
        width={width}
        bindings={slot?.actions ? bindings.filter((b) => slot.actions!.includes(b.action) || b.screens === '*' && GLOBAL_ACTIONS.has(b.action)) : bindings}
        jump={state.overlay === 'jump' ? { text: state.jumpText, matches: jumpMatches.map((s) => s.id) } : null}
        hint={hint}
      />
    </Box>
  );
}

/** Keeps a hidden screen mounted (its state survives) without it taking any room. */
function Hidden({ show, children }: { show: boolean; children: React.ReactNode }) {
  return <Box display={show ? 'flex' : 'none'} flexDirection="column">{children}</Box>;
}
