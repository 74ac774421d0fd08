/**
 * `audit [--plan N] [--limit N] [--json]`: who decided and applied what, when, with which result
 * (the store's audit log: decisions, each applied change with its result, the start and end of
 * every apply run, provisioning calls).
 */
import type { Command } from 'commander';
import type { AuditEntry } from '../store/types.js';
import { action, globalOptions, parseNonNegative, printJson, printLine } from './context.js';
import { withStore } from './inputs.js';
import { parsePlanId } from './apply.js';

export function auditLine(e: AuditEntry): string {
  const where = [e.planId !== null ? `plan ${e.planId}` : '', e.changeId !== null ? `change ${e.changeId}` : ''].filter(Boolean).join(' ');
  return `${e.at}  ${e.actor}  ${e.action}${where ? ` ${where}` : ''}${e.detail ? `: ${e.detail}` : ''}`;
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('who decided and applied what, when, with which result')
    .option('--plan <planId>', 'only this plan')
    .option('--limit <n>', 'the newest N entries (default all)')
    .action(
      action(async function (this: Command) {
        const flags = this.opts<{ plan?: string; limit?: string }>();
        const global = globalOptions(this);
        const planId = flags.plan === undefined ? undefined : parsePlanId(flags.plan);
        const limit = flags.limit === undefined ? undefined : Math.floor(parseNonNegative('--limit', flags.limit, 0));
        const entries = await withStore(global, (store) => store.listAudit({ planId, limit }), { readOnly: true });
        if (global.json) {
          printJson({ entries: entries.map(({ id, at, actor, action: what, planId: plan, changeId, detail }) => ({ id, at, actor, action: what, planId: plan, changeId, detail })) });
          return;
        }
        if (!entries.length) printLine(planId === undefined ? 'the audit log is empty' : `nothing in the audit log for plan ${planId}`);
        for (const e of entries) printLine(auditLine(e));
      }),
    );
}
