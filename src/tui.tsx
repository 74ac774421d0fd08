/**
 * The TUI entry: refuses without a terminal, opens the database (a fresh demo one with --demo),
 * and renders the app. Ink is imported here only, so headless commands never load it.
 */

import { startAppLoad } from './app/data.js';
import { EXIT, resolveDbPath, type GlobalOptions } from './commands/context.js';
import { OperationError } from './engine/errors.js';
import { openStore } from './store/store.js';
import type { Store } from './store/types.js';

/**
 * Opens for writing (the Plan and Apply screens record decisions); when another process holds the
 * database, opens it read-only instead and says so, rather than refusing to show anything.
 */
async function openForTui(file: string): Promise<{ store: Store; note: string | null }> {
  try {
    return { store: await openStore(file), note: null };
  } catch (err) {
    if (!(err instanceof OperationError) || !/in use/.test(err.message)) throw err;
    return { store: await openStore(file, { readOnly: true }), note: `${err.message}: opened read-only` };
  }
}

/**
 * Ink draws nothing but the last frame when it believes it runs in CI (it reads CI when first
 * imported). Both ends are a terminal here, so someone is looking: an inherited CI variable (a
 * CI job driving the TUI in tmux, a shell that exports it) must not blank the screen.
 */
async function loadInk() {
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[name];
  const [{ render }, { App }] = await Promise.all([import('ink'), import('./app/App.js')]);
  return { render, App };
}

export async function runTui(opts: GlobalOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new OperationError('the TUI needs a terminal; use a headless command (see --help) in scripts');
  }
  const demo = opts.demo ? await (await import('./demo.js')).createDemoDatabase() : null;
  try {
    const { store, note } = await openForTui(demo?.file ?? resolveDbPath(opts));
    try {
      const vo = opts.vo ?? demo?.vo ?? null;
      const load = () => startAppLoad(store, vo, [...(demo?.notes ?? []), ...(note ? [note] : [])]);
      const { render, App } = await loadInk();
      const app = render(<App load={load} store={store} insecure={opts.insecure === true} />, { exitOnCtrlC: true });
      await app.waitUntilExit();
      // After the terminal shrinks Ink redraws by clearing the screen and leaves the cursor at the
      // end of the status bar: quitting then would glue the shell prompt to it. Start a fresh line.
      process.stdout.write('\n');
    } finally {
      store.close();
    }
  } finally {
    await demo?.cleanup();
  }
  return EXIT.ok;
}
