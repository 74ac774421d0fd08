/**
 * How a screen receives keys. The app owns the single `useInput` (only when stdin is a terminal)
 * and hands each key first to the visible screen, then applies the global action. A screen says
 * what it does with keys through `useScreenInput`; the app gives every screen its own slot, so
 * switching screens needs no bookkeeping in the screens.
 */

import { createContext, useContext, useLayoutEffect } from 'react';
import type { ScreenInput } from '../screens/types.js';

export interface ScreenSlot {
  current: ScreenInput | null;
  /** Set by the app: redraws the status bar when a screen's mode changes what it shows. */
  changed?: () => void;
}

export const ScreenSlotContext = createContext<ScreenSlot>({ current: null });

function statusOf(input: ScreenInput | null): string {
  return input ? JSON.stringify([input.textMode ?? false, input.textHint ?? null, input.actions ?? null]) : '';
}

/** Call on every render of a screen with its current handler. */
export function useScreenInput(input: ScreenInput): void {
  const slot = useContext(ScreenSlotContext);
  useLayoutEffect(() => {
    const before = statusOf(slot.current);
    slot.current = input;
    if (statusOf(input) !== before) slot.changed?.();
  });
}
