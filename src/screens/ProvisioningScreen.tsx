/**
 * Provisioning: the downstream connectors with their status, the service map, an account looked up
 * in every connector, and enable / disable / update of that account. A write is sent only after the
 * admin types the VO name (as on the Apply screen) and is recorded in the audit log with its
 * request ids. The client comes from an injectable factory, so tests drive the real test server;
 * the password never reaches the screen.
 */

import { Box, Text } from 'ink';
import { useEffect, useMemo, useRef } from 'react';
import { scrollText } from '../app/listNav.js';
import { useScreenInput } from '../app/screenInput.js';
import { editField } from '../app/textField.js';
import { useLiveState } from '../app/useLiveState.js';
import type { KeyBinding } from '../app/keyBindings.js';
import { TextView } from './components/TextView.js';
import { clientFromSettings, type ProvisioningClientFactory } from './provisioning/connection.js';
import {
  INITIAL_STATE,
  confirmationWord,
  parseServices,
  parseUpdate,
  bottomLines,
  provisioningLines,
  type ProvisioningState,
  type WriteCall,
} from './provisioning/model.js';
import { cannotWrite, lookUp, openSession, readOverview, sendWrite, type Session } from './provisioning/session.js';
import { UsageError } from '../engine/errors.js';
import { clean, truncate } from './text.js';
import type { KeyEvent, ScreenDef, ScreenProps } from './types.js';

const ID = 'provisioning';

const KEYS: KeyBinding[] = [
  { action: 'lookup', keys: ['/'], description: 'look up an account by uid in every connector', screens: [ID], inStatusBar: true },
  { action: 'enable', keys: ['e'], description: 'enable the account (asks for services, then the VO name)', screens: [ID], inStatusBar: true },
  { action: 'disable', keys: ['d'], description: 'disable the account (asks for services, then the VO name)', screens: [ID], inStatusBar: true },
  { action: 'update', keys: ['u'], description: 'update fields: Connector.field=value (then the VO name)', screens: [ID], inStatusBar: true },
  { action: 'refresh', keys: ['r'], description: 'reconnect and read connectors, services and the account again', screens: [ID], inStatusBar: true },
];

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Nothing was tried, so "could not reach" would send the admin chasing the network; and the TUI
 * takes no --provision-url: say what is missing and where the TUI reads it from.
 */
function notSetUp(err: UsageError): string {
  const missing = err.message.split(':')[0];
  return `provisioning is not set up (${missing}): idsync-tui config set provision.url URL, provision.agent NAME, provision.passwordFile FILE (or env IDSYNC_PROVISION_PASSWORD)`;
}

function makeScreen(factory: ProvisioningClientFactory) {
  return function Provisioning({ data, store, width, height, insecure }: ScreenProps) {
    const [state, setState, live] = useLiveState<ProvisioningState>(INITIAL_STATE);
    const session = useRef<Session | null>(null);
    const alive = useRef(true);
    const set = (change: Partial<ProvisioningState> | ((s: ProvisioningState) => Partial<ProvisioningState>)) => {
      if (alive.current) setState((s) => ({ ...s, ...(typeof change === 'function' ? change(s) : change) }));
    };
    const vo = data.vo;
    const bottom = bottomLines(state, vo, width);
    const bodyHeight = Math.max(1, height - 1 - bottom.length);
    const lines = useMemo(() => provisioningLines(state), [state]);

    /** Runs one call with a busy line; its error becomes the message. */
    const run = async (busy: string, work: () => Promise<void>) => {
      set({ busy, message: null });
      try {
        await work();
        set({ busy: null });
      } catch (err) {
        set({ busy: null, message: { text: errorText(err), error: true } });
      }
    };

    const connect = () =>
      run('connecting…', async () => {
        session.current = null;
        set({ phase: 'connecting' });
        try {
          session.current = await openSession(factory, insecure);
        } catch (err) {
          set({ phase: 'error' });
          throw new Error(`${err instanceof UsageError ? notSetUp(err) : `could not reach the provisioning API: ${errorText(err)}`} (r retries)`);
        }
        set({ phase: 'ready', overview: session.current.overview });
        const uid = live().account?.uid;
        if (uid) set({ account: await lookUp(session.current.client, uid, store) });
      });

    useEffect(() => {
      alive.current = true;
      void connect();
      return () => {
        alive.current = false;
      };
    }, []);

    const lookup = (uid: string) => {
      const s = session.current;
      if (!s) return;
      void run(`looking up ${uid}…`, async () => set({ account: await lookUp(s.client, uid, store), top: 0 }));
    };

    const send = (call: WriteCall) => {
      const s = session.current;
      if (!s || !store) return;
      void run(`sending ${call.method} ${call.uid}…`, async () => {
        const outcome = await sendWrite(s.client, store, call);
        let message = outcome.message;
        let reread: Partial<ProvisioningState> = {};
        // Shown with the result, not before: what the connectors say now, after the write.
        if (outcome.result) {
          try {
            const [overview, account] = await Promise.all([readOverview(s.client), lookUp(s.client, call.uid, store)]);
            reread = { overview, account };
          } catch (err) {
            message += `; reading the account again failed: ${errorText(err)}`;
          }
        }
        set({ ...reread, lastWrite: outcome.result ?? live().lastWrite, message: { text: message, error: outcome.error } });
      });
    };

    /** enter in a prompt: the next step of the flow, or the call itself. */
    const submit = (s: ProvisioningState) => {
      const p = s.prompt!;
      const text = p.text.trim();
      const overview = s.overview!;
      if (p.kind === 'lookup') {
        set({ prompt: null });
        if (text) lookup(text);
        return;
      }
      const uid = s.account!.uid!;
      if (p.kind === 'services') {
        const parsed = parseServices(text, overview.serviceMap);
        if ('error' in parsed) return set({ prompt: null, message: { text: `${parsed.error}; nothing was sent`, error: true } });
        return set({ prompt: { kind: 'confirm', call: { method: p.method, uid, services: parsed.services, changes: {} }, text: '' } });
      }
      if (p.kind === 'update') {
        const parsed = parseUpdate(text, s.account, overview.connectors.map((c) => c.connector));
        if ('error' in parsed) return set({ prompt: null, message: { text: `${parsed.error}; nothing was sent`, error: true } });
        return set({ prompt: { kind: 'confirm', call: { method: 'updateAccount', uid, services: [], changes: parsed.changes }, text: '' } });
      }
      if (text !== confirmationWord(vo)) {
        return set({ prompt: { ...p, text: '' }, message: { text: `that is not ${confirmationWord(vo)}: nothing was sent; type it again or esc`, error: true } });
      }
      set({ prompt: null });
      send(p.call);
    };

    const startWrite = (action: 'enable' | 'disable' | 'update') => {
      const s = live();
      if (!s.account?.uid) return set({ message: { text: 'look up an account first: /', error: true } });
      const refused = cannotWrite(store);
      if (refused) return set({ message: { text: refused, error: true } });
      if (action === 'update') return set({ prompt: { kind: 'update', text: '' }, message: null });
      set({ prompt: { kind: 'services', method: action === 'enable' ? 'enableAccount' : 'disableAccount', text: '' }, message: null });
    };

    const onKey = ({ action, name, input }: KeyEvent): boolean => {
      const s = live();
      if (s.prompt) {
        if (name === 'esc') set({ prompt: null, message: { text: 'cancelled: nothing was sent', error: false } });
        else if (name === 'enter') submit(s);
        else set({ prompt: { ...s.prompt, text: editField({ text: s.prompt.text, editing: true }, name, input).text } });
        return true;
      }
      if (action === 'refresh') {
        if (!s.busy) void connect();
        return true;
      }
      if (s.busy || s.phase !== 'ready') return false;
      if (action === 'lookup') {
        set({ prompt: { kind: 'lookup', text: '' }, message: null });
        return true;
      }
      if (action === 'enable' || action === 'disable' || action === 'update') {
        startWrite(action);
        return true;
      }
      if (action === 'back' && s.account) {
        set({ account: null, top: 0, message: null });
        return true;
      }
      const top = action ? scrollText(s.top, action, lines.length, bodyHeight) : null;
      if (top !== null) set({ top });
      return top !== null;
    };
    useScreenInput({
      textMode: state.prompt !== null,
      textHint: state.prompt?.kind === 'confirm' ? `type ${confirmationWord(vo)} · enter send · esc cancel` : 'enter done · esc cancel',
      actions: state.phase === 'ready' ? ['lookup', 'enable', 'disable', 'update', 'refresh', 'down', 'up'] : ['refresh'],
      onKey,
    });

    const o = state.overview;
    const title = o ? `Provisioning · ${clean(o.url)} as ${clean(o.agent)}${insecure ? ' · TLS verification OFF' : ''}` : 'Provisioning';
    const top = Math.min(state.top, Math.max(0, lines.length - bodyHeight));
    return (
      <Box flexDirection="column">
        <Text bold>{truncate(title, width)}</Text>
        {state.phase === 'connecting' && !o ? (
          <Box height={bodyHeight}><Text dimColor>connecting to the provisioning API…</Text></Box>
        ) : (
          <Box height={bodyHeight} flexDirection="column"><TextView lines={lines} top={top} width={width} height={bodyHeight} /></Box>
        )}
        {bottom.map((l, i) => (
          <Text key={i} color={l.color}>{truncate(l.text, width) || ' '}</Text>
        ))}
      </Box>
    );
  };
}

/** The Provisioning screen with its client from `factory` (tests pass one on the test server). */
export function createProvisioningScreen(factory: ProvisioningClientFactory): ScreenDef {
  return { id: ID, title: 'Provisioning', component: makeScreen(factory), keys: KEYS };
}

export const provisioningScreen: ScreenDef = createProvisioningScreen(clientFromSettings);
