/**
 * The type of an onward notice, in a leaf module: the request type
 * (requests.ts) holds the notices, and the notice renderer imports the
 * request, so the type stands apart from both (no import circle).
 */

/** Where one notice stands: drafted, then sent by an operator. */
export type OnwardState = 'drafted' | 'sent';

/** The notice owed to one recipient for one provision of the subject's data (APPI Art. 97). */
export interface OnwardNotice {
  /** The recipient (catalogue id). */
  readonly recipientId: string;
  /** When the data was provided (ISO). */
  readonly provisionedAt: string;
  /** The provision record's id: the reference the recipient can look up (never the subject). */
  readonly provisionRecordId?: string;
  /** How many records were provided. */
  readonly records: number;
  /** Drafted, or sent. */
  readonly state: OnwardState;
  /** When it was marked sent (ISO). */
  readonly sentAt?: string;
  /** The operator who marked it sent (a staff id). */
  readonly sentBy?: string;
}
