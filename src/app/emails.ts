/**
 * The email-uniqueness report for the loaded data, computed once per data set and shared by the
 * Overview (the count) and the Emails screen (the groups). The load computes it in steps
 * (`emailSteps`), so neither screen's first frame has to.
 */

import { emailReportSteps, type EmailReport } from '../engine/rules/emails.js';
import type { AppData } from './data.js';

const reports = new WeakMap<AppData, EmailReport>();

export function emailsOf(data: AppData): EmailReport {
  let report = reports.get(data);
  if (!report) {
    const steps = emailSteps(data);
    for (let next = steps.next(); !next.done; next = steps.next());
    report = reports.get(data)!;
  }
  return report;
}

/** Computes the report of `data` a few thousand users a step and keeps it for emailsOf. */
export function* emailSteps(data: AppData): Generator<void, void> {
  if (reports.has(data)) return;
  const iam = data.snapshots['iam-users'] ? data.iamUsers : null;
  reports.set(data, yield* emailReportSteps(data.voms, iam, { vo: data.vo }));
}
