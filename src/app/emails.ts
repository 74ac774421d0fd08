/**
 * The email-uniqueness report for the loaded data, computed once per data set and shared by the
 * Overview (the count) and the Emails screen (the groups).
 */

import { emailReport, type EmailReport } from '../engine/rules/emails.js';
import type { AppData } from './data.js';

const reports = new WeakMap<AppData, EmailReport>();

export function emailsOf(data: AppData): EmailReport {
  let report = reports.get(data);
  if (!report) {
    const iam = data.snapshots['iam-users'] ? data.iamUsers : null;
    report = emailReport(data.voms, iam, { vo: data.vo });
    reports.set(data, report);
  }
  return report;
}
