/**
 * Where a breach report goes (報告先). A business reports to the PPC under
 * 法第26条第1項, or to the ministry the PPC delegated that power to (権限の
 * 委任, 法第150条第1項); a public body (行政機関等) always to the PPC under
 * 法第68条第1項, since the delegation covers businesses only. A report under
 * the My Number Act (番号法第29条の4第1項) goes to the PPC whatever the
 * delegation.
 */

/** Which law a report is made under. */
export type ReportLaw = 'appi' | 'my-number';

/** Who receives a report. */
export type ReportRecipient = 'ppc' | 'delegated-ministry';

/** One report and where it goes. */
export interface BreachRoute {
  /** Law the report is made under. */
  readonly law: ReportLaw;
  /** Whether the report is required (false: where a voluntary one would go). */
  readonly required: boolean;
  /** The PPC or the delegated ministry. */
  readonly to: ReportRecipient;
  /** Japanese name of the recipient. */
  readonly toJa: string;
  /** Article that obliges the report (and delegates it, when delegated). */
  readonly basis: string;
  /** Rules that set the situations and the 速報/確報 periods. */
  readonly rules: string;
  /** Why this route (English). */
  readonly reason: string;
}

/** What decides the route of a controller's reports. */
export interface RouteInput {
  /** The controller is a public body (行政機関等). */
  readonly publicBody: boolean;
  /** An APPI report is required. */
  readonly appiReport: boolean;
  /** A My Number Act report is required. */
  readonly myNumberReport: boolean;
  /** Ministry the PPC delegated the power to receive reports to. @default none */
  readonly delegatedTo?: string;
}

/** Japanese name of the PPC. */
export const PPC_JA = '個人情報保護委員会';

/**
 * The routes of a controller's reports: always the APPI one (with
 * `required` saying whether it is owed), and the My Number one when owed.
 * @example
 * breachRoutes({ publicBody: false, appiReport: true, myNumberReport: false,
 *   delegatedTo: '金融庁' })[0]?.toJa // '金融庁'
 */
export function breachRoutes(input: RouteInput): BreachRoute[] {
  const delegated = input.delegatedTo?.trim() ?? '';
  const appi: BreachRoute = input.publicBody
    ? {
        law: 'appi',
        required: input.appiReport,
        to: 'ppc',
        toJa: PPC_JA,
        basis: '個人情報保護法第68条第1項',
        rules: '施行規則第43条・第44条',
        reason:
          delegated === ''
            ? 'a public body reports to the PPC (Art. 68)'
            : `a public body reports to the PPC (Art. 68); the delegation to ${delegated} (Art. 150) covers businesses only`,
      }
    : delegated === ''
      ? {
          law: 'appi',
          required: input.appiReport,
          to: 'ppc',
          toJa: PPC_JA,
          basis: '個人情報保護法第26条第1項',
          rules: '施行規則第7条・第8条',
          reason: 'a business reports to the PPC (Art. 26)',
        }
      : {
          law: 'appi',
          required: input.appiReport,
          to: 'delegated-ministry',
          toJa: delegated,
          basis: '個人情報保護法第26条第1項（第150条第1項による権限の委任）',
          rules: '施行規則第7条・第8条',
          reason: `the PPC delegated its power to receive reports to ${delegated} (Art. 150)`,
        };
  if (!input.myNumberReport) {
    return [appi];
  }
  return [
    appi,
    {
      law: 'my-number',
      required: true,
      to: 'ppc',
      toJa: PPC_JA,
      basis: '番号法第29条の4第1項',
      rules: '特定個人情報の漏えい等に関する報告等に関する規則第2条・第3条',
      reason: 'My Number data: reported to the PPC under the My Number Act, whatever the delegation',
    },
  ];
}
