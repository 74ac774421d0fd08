/**
 * Loading the database without blocking the screen: the snapshots first, then the records in
 * slices between frames, with keys answered meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAppData, startAppLoad, type AppData, type AppLoad, type LoadProgress } from '../../src/app/data.js';
import { runToEnd } from '../../src/app/slices.js';
import { runInSlices } from '../../src/app/slices.js';
import { openStore } from '../../src/store/store.js';
import type { Store } from '../../src/store/types.js';
import { iamUser, KEYS, people, renderTui } from './helpers.js';

let dir: string;
let store: Store;
const VOMS_USERS = 12_000;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'idsync-load-'));
  store = await openStore(path.join(dir, 'db.sqlite'));
  store.addSnapshot({ source: 'voms', vo: 'nebula', origin: 'voms.json', sha256: 'a', records: people(VOMS_USERS) });
  store.addSnapshot({ source: 'iam-users', vo: 'nebula', origin: 'iam.json', sha256: 'b', records: [iamUser('lonely')] });
});
afterEach(() => {
  cleanup();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startAppLoad', () => {
  it('gives the snapshots at once and the records only through its steps', () => {
    const { shell, steps } = startAppLoad(store, null);
    expect(shell.vo).toBe('nebula');
    expect(shell.snapshots.voms?.recordCount).toBe(VOMS_USERS);
    expect(shell.voms).toEqual([]);
    expect(shell.people).toEqual([]);
    expect(shell.loading).toEqual({ done: 0, total: VOMS_USERS + 1 });
    const seen: number[] = [];
    let next = steps.next();
    for (; !next.done; next = steps.next()) seen.push(next.value.done);
    // Progress only grows, ends at the total, and comes in more than one step.
    expect(seen.length).toBeGreaterThan(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(VOMS_USERS + 1);
    const data = next.value;
    expect(data.loading).toBeNull();
    expect(data.people).toHaveLength(VOMS_USERS + 1);
    expect(data).toEqual(loadAppData(store, null));
  });

  it('reports a snapshot it cannot read as a note and loads the rest', () => {
    const broken = {
      latestSnapshot: store.latestSnapshot.bind(store),
      readRecordChunks: (id: number) => (id === store.latestSnapshot('voms')!.id ? failingChunks() : store.readRecordChunks(id)),
    } as unknown as Store;
    function* failingChunks(): Generator<unknown[]> {
      yield [1];
      throw new Error('bad row');
    }
    const data = runToEnd(startAppLoad(broken, 'nebula').steps);
    expect(data.notes.join('\n')).toMatch(/snapshot \d+ \(voms\) could not be read: bad row/);
    expect(data.voms).toEqual([]);
    expect(data.iamUsers).toHaveLength(1);
  });
});

describe('runInSlices', () => {
  it('lets the event loop run between slices, reports progress and the result', async () => {
    let timerFired = false;
    let firedBeforeEnd = false;
    setTimeout(() => (timerFired = true), 0);
    function* job(): Generator<number, string> {
      // 40 steps of at least 1 ms each: with 4 ms slices, many slices whatever the machine's load.
      for (let i = 0; i < 40; i++) {
        const until = performance.now() + 1;
        while (performance.now() < until);
        yield i;
      }
      firedBeforeEnd = timerFired;
      return 'done';
    }
    const progress: number[] = [];
    const result = await new Promise<string>((resolve, reject) => {
      runInSlices(job(), { onProgress: (p) => progress.push(p), onDone: resolve, onError: reject, sliceMs: 4, progressMs: 0 });
    });
    expect(result).toBe('done');
    expect(firedBeforeEnd).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('stops when told, and hands a failure to onError', async () => {
    let steps = 0;
    function* endless(): Generator<number, void> {
      for (;;) yield steps++;
    }
    const stop = runInSlices(endless(), { onProgress: () => undefined, onDone: () => undefined, onError: () => undefined });
    await new Promise((r) => setTimeout(r, 20));
    stop();
    const after = steps;
    await new Promise((r) => setTimeout(r, 20));
    expect(steps).toBe(after);

    function* failing(): Generator<number, void> {
      yield 1;
      throw new Error('boom');
    }
    const error = await new Promise<unknown>((resolve) => runInSlices(failing(), { onProgress: () => undefined, onDone: () => resolve(null), onError: resolve }));
    expect(String(error)).toContain('boom');
  });
});

describe('the TUI while loading', () => {
  it('shows the snapshots and progress first, answers keys, then the loaded screens', async () => {
    let released = false;
    // The real load, held back before its end until the test has looked at the loading frames.
    const load = (): AppLoad => {
      const real = startAppLoad(store, null);
      function* gated(): Generator<LoadProgress, AppData> {
        let next = real.steps.next();
        for (; !next.done; next = real.steps.next()) yield next.value;
        while (!released) yield { done: next.value.people.length, total: next.value.people.length + 1 };
        return next.value;
      }
      return { shell: real.shell, steps: gated() };
    };
    const tui = await renderTui({ load, columns: 100, rows: 24 });
    const loading = await tui.waitFor((f) => f.includes('loading records'), 'the loading Overview');
    expect(loading).toMatch(/voms\s+12000 records\s+#\d+/);
    expect(loading).not.toContain('users 12000');
    // Keys work while loading: another screen says it waits for the records.
    await tui.press(KEYS.tab);
    const users = await tui.waitFor((f) => f.includes('[Users]'), 'the Users tab');
    expect(users).toMatch(/Users: loading records… \d+ %/);
    released = true;
    const list = await tui.waitFor((f) => f.includes('Given1 Family1'), 'the loaded Users list');
    expect(list).not.toContain('loading records');
    await tui.press(KEYS.tab, KEYS.tab);
    await tui.press(':overview\r');
    await tui.waitFor((f) => f.includes('users 12000'), 'the loaded Overview counts');
  });
});
