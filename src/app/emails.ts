/**
 * The email-uniqueness report for the loaded data, computed once per data set and shared by the
 * Overview (the count) and the Emails screen (the groups). The load computes it in steps
 * (`emailSteps`), so neither screen's first frame has to.
 */

import { emailReportSteps, type EmailReport } from '../engine/rules/emails.js';
import type { AppData } from './data.js';
import { memoizedSteps } from './slices.js';

const reports = memoizedSteps((data: AppData) => emailReportSteps(data.voms, data.snapshots['iam-users'] ? data.iamUsers : null, { vo: data.vo }));

export const emailsOf = (data: AppData): EmailReport => reports.get(data);

/** Computes the report of `data` a few thousand users a step and keeps it for emailsOf. */
export const emailSteps = (data: AppData): Generator<void, EmailReport> => reports.steps(data);
