/**
 * The yearly request statistics (年度 N): every request kept, counted from
 * the request ledger and cross-checked against the audit trail (a request
 * whose registration event is missing is reported, not counted). The
 * counting itself is the pure domain function.
 */
import { type AnnualReport, buildAnnualReport, requestAuditFacts } from '../domain/annual-report/aggregate.ts';
import { fiscalYearRange } from '../domain/annual-report/fiscal-year.ts';
import type { Catalogue } from '../domain/catalogue-types.ts';
import type { AuditReader } from '../ports/audit.ts';
import type { Clock } from '../ports/index.ts';
import type { RequestLedger } from './subject-requests.ts';

/** Ports of the annual report: read-only. */
export interface AnnualReportDeps {
  readonly requests: Pick<RequestLedger, 'listAll'>;
  readonly audit: Pick<AuditReader, 'readEvents'>;
  readonly catalogue: Catalogue;
  readonly clock: Clock;
}

/** The report of 年度 `year`, of one controller when `controllerId` is given. */
export async function annualReport(deps: AnnualReportDeps, input: { readonly year: number; readonly controllerId?: string }): Promise<AnnualReport> {
  // A request's events are written at or after its receipt, so the trail
  // is read from the start of the year only.
  const [requests, events] = await Promise.all([deps.requests.listAll(), deps.audit.readEvents({ since: fiscalYearRange(input.year).from })]);
  return buildAnnualReport({
    year: input.year,
    requests,
    audit: requestAuditFacts(events),
    controllers: deps.catalogue.controllers,
    ...(input.controllerId === undefined ? {} : { controllerId: input.controllerId }),
    now: deps.clock.now(),
  });
}
