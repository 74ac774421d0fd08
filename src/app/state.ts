/**
 * The shell's own state: which screen is shown, where esc goes back to, the overlays (`?` help,
 * `:` jump) and requests between screens. Screens keep their own state.
 */

export interface AppState {
  screen: string;
  /** Screens to go back to with esc, newest last. */
  history: string[];
  /** Screens mounted so far, in the order first shown. */
  visited: string[];
  overlay: 'help' | 'jump' | null;
  jumpText: string;
  helpTop: number;
  request: { screen: string; seq: number; payload: unknown } | null;
}

export type AppAction =
  | { type: 'go'; screen: string; payload?: unknown }
  | { type: 'back' }
  | { type: 'overlay'; overlay: AppState['overlay'] }
  | { type: 'jumpText'; text: string }
  | { type: 'helpTop'; top: number };

export function initialAppState(screen: string): AppState {
  return { screen, history: [], visited: [screen], overlay: null, jumpText: '', helpTop: 0, request: null };
}

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'go': {
      const request =
        action.payload === undefined ? state.request : { screen: action.screen, seq: (state.request?.seq ?? 0) + 1, payload: action.payload };
      const moved = action.screen !== state.screen;
      return {
        ...state,
        screen: action.screen,
        history: moved ? [...state.history, state.screen].slice(-50) : state.history,
        visited: state.visited.includes(action.screen) ? state.visited : [...state.visited, action.screen],
        overlay: null,
        jumpText: '',
        request,
      };
    }
    case 'back': {
      const previous = state.history[state.history.length - 1];
      if (previous === undefined) return state;
      return { ...state, screen: previous, history: state.history.slice(0, -1) };
    }
    case 'overlay':
      return { ...state, overlay: action.overlay, jumpText: '', helpTop: 0 };
    case 'jumpText':
      return { ...state, jumpText: action.text };
    case 'helpTop':
      return { ...state, helpTop: action.top };
  }
}
