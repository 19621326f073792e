/**
 * The shapes of the public register of held personal data (保有個人データに
 * 関する事項の公表): APPI Art. 32, the Tochigi rules Art. 10-4 and Gunma's
 * 個人情報データベース簿. Per controller: name, address, representative,
 * every purpose of use, the request procedures, the security measures and
 * the complaint contact; per business line: kinds of data, retention,
 * recipients, processors and the live count of held records.
 */
import type { Controller } from '../catalogue-types.ts';

/** How requests (開示等の請求等) are made to a controller. */
export interface RequestProcedure {
  /** Where to send them. */
  readonly where: string;
  /** How the requester's identity is verified. */
  readonly identityVerification: string;
  /** Who may request on the subject's behalf. */
  readonly agents: string;
  /** Fees. */
  readonly fees: string;
}

/**
 * A controller entry that may carry its own request procedure. The
 * catalogue schema (v1) has no such field yet; when it gains one, the
 * register uses it over the statutory defaults.
 */
export type ControllerWithProcedure = Controller & {
  readonly requestProcedure?: Partial<RequestProcedure>;
};

/** One business line (dataset) in the register. */
export interface RegisterDataset {
  /** Dataset id. */
  readonly id: string;
  /** Japanese name. */
  readonly name: string;
  /** Purposes (Japanese labels). */
  readonly purposes: readonly string[];
  /** Kinds of data (Japanese). */
  readonly categories: readonly string[];
  /** Recorded items (Japanese field labels). */
  readonly items: readonly string[];
  /** Contains 要配慮個人情報. */
  readonly sensitive: boolean;
  /** Contains 特定個人情報. */
  readonly myNumber: boolean;
  /** Retention period in Japanese, e.g. 契約終了から5年. */
  readonly retentionPeriod: string;
  /** Retention basis in Japanese. */
  readonly retentionBasis: string;
  /** Legal reference of the retention. */
  readonly retentionLegalRef: string;
  /** Recipients: name, basis and purposes. */
  readonly recipients: readonly string[];
  /** Processors: name and scope. */
  readonly processors: readonly string[];
  /** Live records held. */
  readonly heldRecords: number;
}

/** One controller in the register. */
export interface RegisterController {
  /** Controller id. */
  readonly id: string;
  /** Name. */
  readonly name: string;
  /** Address. */
  readonly address: string;
  /** Representative. */
  readonly representative: string;
  /** Public body. */
  readonly publicBody: boolean;
  /** Every purpose of use of its held data (Japanese labels). */
  readonly purposes: readonly string[];
  /** Request procedures. */
  readonly procedure: RequestProcedure & {
    /** Requests that can be made. */
    readonly kinds: string;
    /** Legal reference of the procedure. */
    readonly legalRef: string;
  };
  /** Security measures. */
  readonly securityMeasures: readonly string[];
  /** Complaint contact. */
  readonly complaintContact: string;
  /** Business lines. */
  readonly datasets: readonly RegisterDataset[];
}

/** The register. */
export interface PublicRegister {
  /** JST date it describes. */
  readonly asOf: string;
  /** Catalogue version. */
  readonly policyVersion: string;
  /** Controllers. */
  readonly controllers: readonly RegisterController[];
}

/** Register output formats. */
export type RegisterFormat = 'md' | 'html' | 'csv';
