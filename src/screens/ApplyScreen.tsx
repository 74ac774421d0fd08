/**
 * Apply: pick a plan, see what its approved changes are (counts per kind, what earlier runs
 * finished, what failed), type the VO name to send them, watch the progress bar (done / failed /
 * stale, time left) and each change's result. A run that was stopped or killed is resumed by
 * applying the same plan again (only the changes without a result are sent); `f` switches to
 * sending only the failed ones. The threshold refusal is shown, and `t` raises it for this run.
 * The target's writer comes from an injectable factory, so tests drive the real test servers.
 */

import { Box, Text } from 'ink';
import { useEffect, useRef } from 'react';
import type { KeyBinding } from '../app/keyBindings.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import { runApply, type ChangeResult } from '../apply/runner.js';
import type { TargetWriter } from '../apply/types.js';
import { currentCountOf, thresholdOf, writerFor } from '../apply/writers.js';
import { describeCounts, emptyCounts, selectForApply, type ApplyCounts } from '../engine/apply/index.js';
import type { PlanInfo, Store, StoredChange } from '../store/types.js';
import { planLine } from './plan/plans.js';
import { clean, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

const ID = 'apply';

export type WriterFactory = (plan: PlanInfo, store: Store, options: { insecure: boolean }) => Promise<TargetWriter>;

// The clients' own timeout and retries are those of the command line's defaults.
const defaultFactory: WriterFactory = (plan, store, { insecure }) => writerFor(plan, store, { http: () => ({ insecure }) });

const KEYS: KeyBinding[] = [
  { action: 'send', keys: ['a'], description: 'apply the approved changes of this plan (asks for the VO name)', screens: [ID], inStatusBar: true },
  { action: 'retryFailed', keys: ['f'], description: 'toggle: send only the changes that failed before', screens: [ID], inStatusBar: true },
  { action: 'raise', keys: ['t'], description: 'raise the threshold for this run to what the plan needs', screens: [ID] },
  { action: 'stop', keys: ['x'], description: 'stop the run after the current batch (apply again to resume)', screens: [ID], inStatusBar: true },
];

export interface ApplyState {
  mode: 'list' | 'review' | 'confirm' | 'running' | 'done';
  cursor: number;
  planId: number | null;
  retryFailed: boolean;
  /** The threshold for this run when the admin raised it, else null (the plan's). */
  raisedTo: number | null;
  typed: string;
  counts: ApplyCounts;
  results: ChangeResult[];
  startedAt: number;
  message: { text: string; error: boolean } | null;
}

const INITIAL: ApplyState = { mode: 'list', cursor: 0, planId: null, retryFailed: false, raisedTo: null, typed: '', counts: emptyCounts(0), results: [], startedAt: 0, message: null };

/** What a run of this plan would send: counts by op and kind, and what earlier runs left. */
export function reviewLines(changes: readonly StoredChange[], retryFailed: boolean): string[] {
  const s = selectForApply(changes, { retryFailed });
  const byKind = new Map<string, number>();
  for (const c of s.todo) byKind.set(`${c.op} ${c.kind}`, (byKind.get(`${c.op} ${c.kind}`) ?? 0) + 1);
  const lines = [`${s.todo.length} change(s) to send${retryFailed ? ' (only those that failed before)' : ''}:`];
  for (const [k, n] of [...byKind.entries()].sort()) lines.push(`  ${String(n).padStart(6)}  ${k}`);
  if (s.finished) lines.push(`${s.finished} approved change(s) already have a result${retryFailed ? '' : ' (a resumed run sends only the rest)'}`);
  if (s.failedBefore) lines.push(`${s.failedBefore} failed before${retryFailed ? '' : ': press f to send only those'}`);
  if (s.notApproved) lines.push(`${s.notApproved} not approved: never sent`);
  return lines;
}

export function progressBar(counts: ApplyCounts, width: number): string {
  const w = Math.max(10, Math.min(40, width - 50));
  const filled = counts.total ? Math.round((counts.done / counts.total) * w) : w;
  return `${'█'.repeat(filled)}${'░'.repeat(w - filled)} ${counts.done}/${counts.total}`;
}

function makeScreen(factory: WriterFactory) {
  return function Apply({ data, store, width, height, insecure }: ScreenProps) {
    const [state, setState, live] = useLiveState<ApplyState>(INITIAL);
    const abort = useRef<AbortController | null>(null);
    const alive = useRef(true);
    useEffect(() => () => {
      alive.current = false;
      abort.current?.abort();
    }, []);
    const set = (change: Partial<ApplyState> | ((s: ApplyState) => Partial<ApplyState>)) => {
      if (alive.current) setState((s) => ({ ...s, ...(typeof change === 'function' ? change(s) : change) }));
    };
    const vo = data.vo ?? 'apply';
    const plans = store ? store.listPlans().filter((p) => p.decisions.approved > 0) : [];
    const plan = state.planId !== null && store ? store.getPlan(state.planId) : null;

    const start = async (p: PlanInfo) => {
      if (!store) return;
      abort.current = new AbortController();
      set({ mode: 'running', counts: emptyCounts(0), results: [], startedAt: Date.now(), message: null });
      try {
        const writer = await factory(p, store, { insecure });
        const report = await runApply(store, p, writer, {
          retryFailed: live().retryFailed,
          maxPercent: live().raisedTo ?? thresholdOf(p),
          currentCount: currentCountOf(store, p),
          signal: abort.current.signal,
          onStart: (total) => set({ counts: emptyCounts(total) }),
          onResult: (change, outcome, counts) => set((s) => ({ counts, results: [...s.results, { changeId: change.id, op: change.op, kind: change.kind, result: outcome.result, message: outcome.message }] })),
        });
        const c = report.counts;
        set({ mode: 'done', message: { text: report.stopped ?? (c.total === 0 ? 'nothing to send' : `done: ${c.ok} ok, ${c.failed} failed, ${c.stale} stale`), error: c.failed > 0 || report.stopped !== null } });
      } catch (err) {
        set({ mode: 'review', message: { text: err instanceof Error ? err.message : String(err), error: true } });
      }
    };

    const onKey = (e: KeyEvent): boolean => {
      const s = live();
      if (s.mode === 'confirm') {
        if (e.name === 'enter') {
          if (s.typed !== vo) {
            set({ typed: '', message: { text: `that is not ${vo}: nothing was sent; type it again or esc`, error: true } });
            return true;
          }
          set({ typed: '' });
          if (plan) void start(plan);
          return true;
        }
        const field = editField({ text: s.typed, editing: true }, e.name, e.input);
        if (!field.editing) set({ mode: 'review', typed: '', message: { text: 'cancelled: nothing was sent', error: false } });
        else set({ typed: field.text });
        return true;
      }
      if (s.mode === 'running') {
        if (e.action === 'stop') {
          abort.current?.abort();
          set({ message: { text: 'stopping after this batch…', error: false } });
          return true;
        }
        return e.action !== 'quit';
      }
      if (s.mode === 'list') {
        if (e.action === 'down') return set({ cursor: Math.min(plans.length - 1, s.cursor + 1) }), true;
        if (e.action === 'up') return set({ cursor: Math.max(0, s.cursor - 1) }), true;
        if (e.action === 'open' && plans[s.cursor]) return set({ mode: 'review', planId: plans[s.cursor].id, retryFailed: false, raisedTo: null, message: null }), true;
        return false;
      }
      if (e.action === 'back') return set({ mode: 'list', planId: null, message: null, results: [] }), true;
      if (e.action === 'retryFailed') return set({ retryFailed: !s.retryFailed, mode: 'review' }), true;
      if (e.action === 'raise') {
        const needed = /raise the threshold with \S+ (\d+)/.exec(s.message?.text ?? '')?.[1];
        if (needed) set({ raisedTo: Number(needed), message: { text: `threshold raised to ${needed} % for this run; press a to apply`, error: false } });
        return true;
      }
      if (e.action === 'send') return set({ mode: 'confirm', typed: '', message: null }), true;
      return false;
    };
    useScreenInput({
      textMode: state.mode === 'confirm',
      textHint: `type ${vo} · enter apply · esc cancel`,
      actions: state.mode === 'running' ? ['stop'] : state.mode === 'list' ? [] : ['send', 'retryFailed', 'raise'],
      onKey,
    });

    const lines: { text: string; color?: string }[] = [];
    if (!store) lines.push({ text: 'no database open: apply needs the database the plans are in', color: 'red' });
    else if (state.mode === 'list') {
      lines.push({ text: plans.length ? 'Plans with approved changes (enter opens one):' : 'No plan has approved changes yet: approve some on the Plan screen' });
      plans.forEach((p, i) => lines.push({ text: `${i === state.cursor ? '›' : ' '} ${p.target.padEnd(12)} ${planLine(p)}`, color: i === state.cursor ? 'cyan' : undefined }));
    } else if (plan) {
      lines.push({ text: `${planLine(plan)}  → ${plan.target}`, color: 'cyan' });
      lines.push({ text: `DRY RUN until you press a and type ${vo}. Threshold ${state.raisedTo ?? thresholdOf(plan)} %.` });
      if (state.mode === 'review' || state.mode === 'confirm') for (const l of reviewLines(store.listChanges(plan.id), state.retryFailed)) lines.push({ text: l });
      if (state.mode === 'running' || state.mode === 'done') {
        lines.push({ text: `${progressBar(state.counts, width)}  ${describeCounts(state.counts, Date.now() - state.startedAt)}` });
        for (const r of state.results.slice(-Math.max(1, height - 6))) {
          lines.push({ text: `#${r.changeId} ${r.op} ${r.kind}: ${r.result}${r.message ? ` ${r.message}` : ''}`, color: r.result === 'ok' ? 'green' : r.result === 'stale' ? 'yellow' : 'red' });
        }
      }
    }
    const bottom: { text: string; color: string }[] = [];
    if (state.message) bottom.push({ text: state.message.text, color: state.message.error ? 'red' : 'green' });
    if (state.mode === 'confirm') bottom.push({ text: `apply plan ${state.planId} to its target? type ${vo} and enter (esc cancels): ${clean(state.typed)}▏`, color: 'yellow' });
    const body = lines.slice(0, Math.max(1, height - bottom.length));
    return (
      <Box flexDirection="column" height={height}>
        {body.map((l, i) => (
          <Text key={i} color={l.color} wrap="truncate">{truncate(clean(l.text), width)}</Text>
        ))}
        {bottom.map((b, i) => (
          <Text key={`b${i}`} color={b.color} wrap="truncate">{truncate(clean(b.text), width)}</Text>
        ))}
      </Box>
    );
  };
}

export function createApplyScreen(factory: WriterFactory = defaultFactory): ScreenDef {
  return { id: ID, title: 'Apply', component: makeScreen(factory), keys: KEYS };
}

export const applyScreen: ScreenDef = createApplyScreen();
