/**
 * Shared by the Plan, Compare and Groups screen tests: a real store in a temporary directory, and
 * a patient wait (the machine may be busy; the bound is there only so a broken screen fails).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import type { Store } from '../../src/store/types.js';
import type { Tui } from './helpers.js';

export interface TempStore {
  file: string;
  store: Store;
  reopen(): Promise<Store>;
  dispose(): void;
}

export async function tempStore(): Promise<TempStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-tui-screen-'));
  const file = path.join(dir, 'idsync.db');
  const opened: Store[] = [];
  const open = async () => {
    const s = await openStore(file);
    opened.push(s);
    return s;
  };
  const store = await open();
  return {
    file,
    store,
    reopen: async () => {
      for (const s of opened.splice(0)) s.close();
      return open();
    },
    dispose: () => {
      // Cleanup only: on a loaded machine the lock may have been declared stale meanwhile.
      for (const s of opened.splice(0)) {
        try {
          s.close();
        } catch {
          /* the directory goes next */
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for a frame (many more rounds than the shared helper allows). */
export async function until(tui: Tui, check: (frame: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 6000; i++) {
    if (check(tui.frame())) return tui.frame();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never saw ${what}; last frame:\n${tui.frame()}`);
}

export const SLOW = 180_000;
