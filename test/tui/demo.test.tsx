import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { createDemoDatabase, type DemoDatabase } from '../../src/demo.js';
import { loadAppData } from '../../src/app/data.js';
import { openStore } from '../../src/store/store.js';
import { runMain } from '../fixtures/run-main.js';
import { KEYS, renderTui } from './helpers.js';

let demo: DemoDatabase | null = null;
afterEach(async () => {
  cleanup();
  await demo?.cleanup();
  demo = null;
});

describe('--demo', () => {
  it('loads the bundled VO into a fresh database and the TUI shows it', async () => {
    demo = await createDemoDatabase();
    const store = await openStore(demo.file, { readOnly: true });
    try {
      const voms = store.latestSnapshot('voms');
      expect(voms?.vo).toBe('nebula');
      const data = loadAppData(store, demo.vo);
      expect(data.voms.length).toBe(voms!.recordCount);
      const tui = await renderTui({ data, columns: 120, rows: 30 });
      const f = tui.frame();
      expect(f).toContain('VO nebula');
      expect(f).toContain(`users ${voms!.recordCount}`);
      expect(f).toMatch(/voms \d\d-\d\d \d\d:\d\d · iam-users \d\d-\d\d/);
      // A person known to VOMS and IAM: the detail shows both side by side.
      const both = data.people.findIndex((p) => p.voms && p.iam);
      expect(both).toBeGreaterThanOrEqual(0);
      await tui.press(':users\r');
      await tui.waitFor((x) => x.includes('[Users]'), 'Users');
      await tui.press(...Array(both).fill('j'), KEYS.enter);
      const detail = await tui.waitFor((x) => x.includes(`VOMS user ${data.people[both].vomsId}:`), 'the detail');
      expect(detail).toMatch(/VOMS +│ IAM/);
      expect(detail).toContain(data.people[both].iam!.userName);
    } finally {
      store.close();
    }
  });

  it('the removal of the temporary database leaves nothing behind', async () => {
    const d = await createDemoDatabase();
    const { existsSync } = await import('node:fs');
    expect(existsSync(d.file)).toBe(true);
    await d.cleanup();
    expect(existsSync(d.file)).toBe(false);
  });

  it('refuses to open the TUI without a terminal, with a clear error', async () => {
    const run = await runMain(['--demo']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^idsync-tui: the TUI needs a terminal/);
  });
});
