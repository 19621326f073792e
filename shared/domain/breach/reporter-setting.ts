/**
 * A controller's breach reporting desk, as the catalogue states it:
 * `{ "department": "総務部情報政策課", "contactTitle": "課長",
 *    "phone": "03-1234-5678", "email": "privacy@example.jp" }`.
 */
export interface BreachReporterSetting {
  /** Department that reports (担当部署). */
  readonly department: string;
  /** Title or role of the contact (担当者の役職), not a personal name. */
  readonly contactTitle: string;
  /** Phone of the desk, ASCII digits, `-`, `+`, `(`, `)` and spaces. */
  readonly phone: string;
  /** E-mail of the desk. */
  readonly email: string;
  /** 法人番号 (13 digits, check digit verified), for a business. @default none */
  readonly corporateNumber?: string;
  /** 全国地方公共団体コード (6 digits, check digit verified), for a public body. @default none */
  readonly localGovernmentCode?: string;
  /**
   * The ministry to which the PPC delegated the power to receive reports
   * (法第150条第1項), for a business. @default none: reports go to the PPC
   */
  readonly delegatedTo?: string;
}
