/**
 * Driving the TUI in tests: render the app on plain data at a fixed terminal size, send key
 * sequences as a terminal would, and wait for the frame that should follow. Waiting has a
 * generous upper bound only so that a broken screen fails instead of hanging; nothing is timed.
 */

import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { App, type AppProps } from '../../src/app/App.js';
import { buildAppData, type AppData, type SourceData } from '../../src/app/data.js';
import { filterTuning } from '../../src/app/peopleQuery.js';
import type { VomsUser } from '../../src/engine/model.js';

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  enter: '\r',
  esc: '\u001B',
  tab: '\t',
  backspace: '\u007F',
} as const;

export function vomsUser(id: number, over: Partial<VomsUser> = {}): VomsUser {
  return {
    id,
    name: `Given${id}`,
    surname: `Family${id}`,
    institution: 'Example University',
    address: null,
    phoneNumber: null,
    email: `user${id}@example.org`,
    cernHrId: null,
    creationTime: Date.UTC(2020, 0, 1),
    endTime: null,
    suspended: false,
    suspensionReasonCode: null,
    suspensionReason: null,
    certificates: [
      { subject: `/DC=org/DC=example/CN=User ${id}`, issuer: '/DC=org/DC=example/CN=Example CA', suspended: false, suspensionReason: null, creationTime: null },
    ],
    fqans: ['/nebula'],
    attributes: [],
    aupAcceptanceRecords: [],
    pendingSignAUPTask: null,
    ...over,
  };
}

// IAM accounts: the plan tests' factory, one shape for the whole suite.
export { iamUser } from '../unit/plan-iam-fixtures.js';

export function dataOf(src: Partial<SourceData>): AppData {
  return buildAppData({ vo: 'nebula', ...src });
}

export function people(n: number): VomsUser[] {
  const out: VomsUser[] = [];
  for (let i = 1; i <= n; i++) out.push(vomsUser(i));
  return out;
}

export type Tui = ReturnType<typeof render> & {
  frame(): string;
  press(...keys: string[]): Promise<void>;
  waitFor(check: (frame: string) => boolean, what?: string): Promise<string>;
};

/** Lets React and Ink process what was written (input, effects, the next frame). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

export async function renderTui(props: AppProps & { columns?: number; rows?: number }): Promise<Tui> {
  const inst = render(createElement(App, { columns: 80, rows: 24, ...props }));
  const frame = () => inst.lastFrame() ?? '';
  const waitFor = async (check: (f: string) => boolean, what = 'the expected frame'): Promise<string> => {
    // Up to 5 s of wall time, not a count of polls: on a loaded machine (CI beside other work) a
    // held-back ESC and the renders after it can take longer than 400 short timers.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (check(frame())) return frame();
      await settle();
    }
    if (check(frame())) return frame();
    throw new Error(`never saw ${what}; last frame:\n${frame()}`);
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      inst.stdin.write(k);
      // A lone ESC is held back by Ink until it knows no sequence follows.
      await settle();
      if (k === KEYS.esc) await settle();
    }
  };
  await waitFor((f) => f.length > 0, 'a first frame');
  return Object.assign(inst, { frame, press, waitFor });
}

/** Runs `body` with the Users screen's slicing settings changed (tests of small lists in slices), then puts them back. */
export async function withFilterTuning<T>(tuning: Partial<typeof filterTuning>, body: () => T | Promise<T>): Promise<T> {
  const saved = { ...filterTuning };
  Object.assign(filterTuning, tuning);
  try {
    return await body();
  } finally {
    Object.assign(filterTuning, saved);
  }
}
