/**
 * The console's words, Japanese first with the English beside: one table,
 * looked up by key. A key missing in a language falls back to English.
 */
export type ConsoleLang = 'ja' | 'en';

const LABELS = {
  title: ['wasure 管理コンソール', 'wasure console'],
  dashboard: ['ダッシュボード', 'Dashboard'],
  requests: ['請求一覧', 'Requests'],
  intake: ['請求の受付', 'File a request'],
  holds: ['法的保全', 'Legal holds'],
  register: ['公表事項', 'Public register'],
  logout: ['ログアウト', 'Log out'],
  login: ['ログイン', 'Log in'],
  loginLead: ['起動時に表示されたログイン URL を開くか、トークンを入力してください。操作者 ID は監査記録に残ります。', 'Open the login URL the console printed, or paste its token. Your operator id is recorded in the audit trail.'],
  token: ['ログイントークン', 'Login token'],
  operator: ['操作者 ID', 'Operator id'],
  signedInAs: ['操作者', 'Operator'],
  openRequests: ['処理中の請求', 'Open requests'],
  awaitingMine: ['私の決裁待ち', 'Awaiting my approval'],
  audit: ['監査ログの検証', 'Audit trail verification'],
  auditOk: ['正常', 'verified'],
  auditFailed: ['異常あり', 'FAILED'],
  events: ['件のイベント', 'events'],
  none: ['なし', 'none'],
  requestId: ['請求 ID', 'Request id'],
  type: ['種別', 'Type'],
  standing: ['状態', 'Status'],
  deadline: ['期限', 'Deadline'],
  daysLeft: ['残り日数', 'Days left'],
  overdue: ['期限超過', 'overdue'],
  controller: ['管理者', 'Controller'],
  filedBy: ['受付者', 'Filed by'],
  received: ['受付日時', 'Received'],
  approval: ['決裁', 'Approval'],
  timeline: ['経過', 'Timeline'],
  trail: ['監査証跡', 'Audit trail'],
  record: ['記録 ID', 'Record id'],
  trailNone: ['この請求の監査イベントはまだありません。', 'No audit event names this request yet.'],
  reasons: ['理由', 'Reasons'],
  preview: ['消去の事前確認', 'Erasure preview'],
  wouldErase: ['消去する記録', 'Records it would erase'],
  wouldKeep: ['保持する記録', 'Records it would keep'],
  keyDestroyed: ['本人の鍵を破棄', 'Subject key destroyed'],
  exportPackages: ['削除される開示パッケージ', 'Disclosure packages removed'],
  approve: ['承認して実行', 'Approve and carry out'],
  reject: ['却下', 'Reject'],
  withdraw: ['取下げ', 'Withdraw'],
  reason: ['理由', 'Reason'],
  extend: ['期限の延長', 'Extend the deadline'],
  days: ['日数 (1〜30)', 'Days (1–30)'],
  pause: ['補正のため停止', 'Pause the clock (補正)'],
  resume: ['再開', 'Resume'],
  notice: ['決定通知書', 'Decision notice'],
  subject: ['本人 ID', 'Subject id'],
  requester: ['請求者', 'Requester'],
  agentRef: ['代理権の証明の参照番号', 'Agent authority reference'],
  method: ['本人確認の方法', 'Identity verification method'],
  evidenceRef: ['本人確認書類の参照番号', 'Identity evidence reference'],
  recordId: ['記録 ID (訂正のみ)', 'Record id (correction only)'],
  controllerOptional: ['管理者 (省略時は自動)', 'Controller (automatic when empty)'],
  submit: ['受け付ける', 'File it'],
  addHold: ['保全を設定', 'Place a hold'],
  removeHold: ['保全を解除', 'Lift a hold'],
  targetKind: ['対象', 'Target'],
  targetValue: ['対象の ID', 'Target id'],
  byRecord: ['記録', 'record'],
  bySubject: ['本人', 'subject'],
  holdId: ['保全 ID (省略時はすべて)', 'Hold id (all when empty)'],
  done: ['完了しました', 'Done'],
  error: ['エラー', 'Error'],
  registerDocument: ['公表事項 (HTML 文書)', 'Public register (HTML document)'],
  language: ['English', '日本語'],
  noRequests: ['請求はありません', 'No requests'],
  sweeps: ['保存期間満了の消去', 'Retention sweeps'],
  auditTrail: ['監査ログ', 'Audit trail'],
  sweepHistory: ['消去処理の履歴', 'Sweep history'],
  sweepId: ['消去処理 ID', 'Sweep id'],
  started: ['開始', 'Started'],
  finished: ['終了', 'Finished'],
  erasedByDataset: ['データセット別の消去件数', 'Records erased per dataset'],
  heldSkipped: ['保全・請求処理中で保留', 'Held / pending request'],
  outcome: ['結果', 'Outcome'],
  noSweeps: ['消去処理の記録はありません', 'No sweep is recorded'],
  chartTitle: ['データセット別の消去件数の推移', 'Records erased per dataset, sweep by sweep'],
  chartAlt: ['数値は下の表にあります', 'The figures are in the table below'],
  lastSweep: ['前回の消去処理', 'Last sweep'],
  nextSweep: ['次回の消去処理', 'Next sweep'],
  nextSweepLocal: ['予定なし (ローカル環境): wasure sweep で実行します', 'None scheduled locally: run wasure sweep'],
  nextSweepHourly: ['毎時 (rate(1 hour))', 'Every hour (rate(1 hour))'],
  oldestDue: ['消去期限を過ぎた未消去の記録 (最古)', 'Oldest record past its due time, not yet erased'],
  daysPast: ['日経過', 'days past due'],
  dryRun: ['事前確認 (ドライラン)', 'Dry run'],
  dryRunLead: ['今消去処理を行った場合に消去される記録を表示します。何も変更しません (操作は監査ログに残ります)。', 'Shows what a sweep would erase now. Nothing changes (the dry run itself is audited).'],
  wouldErasePerDataset: ['消去される記録 (データセット別)', 'Records it would erase, per dataset'],
  keptRecords: ['消去されない記録', 'Records it would keep'],
  fileOrder: ['消去処理を起案', 'File a sweep order'],
  fileOrderLead: ['手動の消去処理には決裁が必要です。起案者以外の操作者が承認すると実行されます。', 'A manual sweep needs approval: it runs once an operator other than the filer approves it.'],
  noApprovalNeeded: ['手動の消去処理に決裁は不要です (wasure sweep で実行します)', 'No controller puts manual sweeps under approval (run wasure sweep)'],
  sweepOrders: ['決裁待ちの消去処理', 'Sweep orders awaiting approval'],
  noSweepOrders: ['決裁待ちの消去処理はありません', 'No sweep order awaits approval'],
  orderId: ['起案 ID', 'Order id'],
  asOf: ['基準時刻', 'Cutoff'],
  planned: ['消去予定件数', 'Records to erase'],
  verifyFull: ['全件を検証', 'Verify every event'],
  logBySubject: ['本人別の監査ログ', 'Audit log of one subject'],
  showLog: ['表示', 'Show'],
  recentEvents: ['最近のイベント', 'Recent events'],
  time: ['日時', 'Time'],
  action: ['操作', 'Action'],
  actor: ['実行者', 'Actor'],
  details: ['詳細', 'Details'],
  noEvents: ['イベントはありません', 'No events'],
  receipts: ['消去証明書', 'Erasure receipts'],
  noReceipts: ['消去証明書はありません', 'No erasure receipt has been issued'],
  checkpoint: ['チェックポイント', 'Checkpoint'],
  expires: ['有効期限', 'Expires'],
  breach: ['漏えい等の評価', 'Breach assessment'],
  breachLead: ['記録から報告対象事態・期限・本人通知の要否を判定し、速報・確報の報告書案と本人への通知文を作成します。評価は監査ログに残ります。', 'Decides from the records whether the breach must be reported and the subjects notified, with the deadlines, and drafts the 速報/確報 and the notice. The assessment is audited.'],
  affectedRecords: ['影響を受けた記録 ID (1行に1件)', 'Affected record ids (one a line)'],
  affectedDataset: ['又はデータセット全体', 'Or a whole dataset'],
  improperPurpose: ['不正の目的によるおそれがある', 'It may have been for an improper purpose (不正の目的)'],
  keyExposed: ['暗号鍵も漏えいした (暗号化による保護なし)', 'The keys leaked too (no encryption safe harbour)'],
  publicExposure: ['不特定多数が閲覧できる状態だった', 'It was viewable by anyone'],
  myNumberSystem: ['個人番号利用事務等のシステムで発生した', 'It happened in a My Number system'],
  discovered: ['事態を知った日時 (省略時は現在、例 2026-11-22T10:00+09:00)', 'Discovered at (default now, e.g. 2026-11-22T10:00+09:00)'],
  occurred: ['発生日 (YYYY-MM-DD) 又は発生日時', 'Occurred on (YYYY-MM-DD) or at (date-time)'],
  manner: ['事態の態様', 'Manner'],
  threshold: ['報告を要する本人の数 (超える場合、省略時は法定)', 'Subjects above which it is reportable (default per the rules)'],
  myNumberThreshold: ['特定個人情報の報告を要する本人の数 (省略時は100)', 'My Number subjects above which it is reportable (default 100)'],
  delegatedTo: ['権限の委任先 (事業所管大臣、事業者のみ)', 'Ministry under delegated power (businesses only)'],
  breachId: ['事案 ID (省略時は知った日時から)', 'Breach id (default from the discovery time)'],
  preliminaryFiled: ['速報の提出日 (確報に記載、YYYY-MM-DD)', 'Day the 速報 was filed (quoted by the 確報)'],
  assess: ['評価する', 'Assess'],
  assessment: ['評価結果', 'Assessment'],
  reportRequired: ['個人情報保護委員会への報告が必要です', 'A report to the PPC is required'],
  reportNotRequired: ['報告は不要です', 'No report is required'],
  noticeRequired: ['本人への通知が必要です', 'Notices to the subjects are required'],
  noticeNotRequired: ['本人への通知は不要です', 'No notice to the subjects is required'],
  trigger: ['報告対象事態', 'Trigger'],
  fired: ['判定', 'Fires'],
  subjectsCount: ['本人の数', 'Subjects'],
  preliminaryReport: ['速報の報告書案', 'Preliminary report draft (速報)'],
  finalReport: ['確報の報告書案', 'Final report draft (確報)'],
  noticeLetter: ['本人への通知文', 'Notice to the subjects'],
  assessmentDocument: ['評価書', 'Assessment document'],
  notAssessed: ['評価できなかった記録', 'Records not assessed'],
  notes: ['注記', 'Notes'],
  documents: ['文書 (印刷用)', 'Documents (printable)'],
  download: ['開示データのダウンロード', 'Download the disclosure package'],
  downloadLead: ['5分間・1回限り有効なリンクを発行します。発行とダウンロードは監査ログに残ります。', 'Issues a link valid for 5 minutes, once. Issuing it and the download are audited.'],
  downloadLink: ['ダウンロード (1回限り)', 'Download (once)'],
  downloadExpires: ['リンクの有効期限', 'The link expires at'],
  linkUsed: ['このダウンロード用リンクは使用済みです (1回限り有効)。請求の画面から新しいリンクを発行してください。', 'This download link has been used: a link works once. Issue a new one from the request page.'],
  linkExpired: ['このダウンロード用リンクは有効期限 (5分間) を過ぎています。請求の画面から新しいリンクを発行してください。', 'This download link has expired (links work for 5 minutes). Issue a new one from the request page.'],
  linkUnknown: ['このダウンロード用リンクは無効です (不明、又は期限切れ)。請求の画面から新しいリンクを発行してください。', 'This download link is unknown or long expired. Issue a new one from the request page.'],
  linkOtherOperator: ['このダウンロード用リンクは別の操作者に発行されたものです (使用済みになりました)。ご自身で発行してください。', 'This download link was issued to another operator (it is now spent). Issue your own from the request page.'],
  packageGone: ['この請求の開示データは保持されていません (保存期間の経過又は削除)。', 'The package of this request is no longer held (expired or removed).'],
  recordsCount: ['記録', 'Records'],
} as const satisfies Record<string, readonly [string, string]>;

/** A key of the label table. */
export type LabelKey = keyof typeof LABELS;

/** The label of `key` in `lang`. */
export function label(key: LabelKey, lang: ConsoleLang): string {
  return LABELS[key][lang === 'ja' ? 0 : 1];
}

/** The words of a request's standing and type, Japanese first (the stored values are English ids). */
const STANDING_JA: Readonly<Record<string, string>> = {
  'awaiting-approval': '決裁待ち',
  open: '処理中',
  overdue: '期限超過',
  lapsed: '失効',
  paused: '補正待ち（停止中）',
  completed: '完了',
  'partially-completed': '一部完了',
  refused: '拒否',
  failed: '失敗',
  rejected: '不承認',
  withdrawn: '取下げ',
};

const TYPE_JA: Readonly<Record<string, string>> = {
  export: '開示',
  correct: '訂正',
  erase: '消去',
  restrict: '利用停止',
  'lift-restriction': '利用停止の解除',
  'stop-provision': '第三者提供の停止',
  purposes: '利用目的の通知',
};

/** A standing such as `awaiting-approval, overdue` in words (the id itself in English). */
export function standingWords(standing: string, lang: ConsoleLang): string {
  if (lang === 'en') return standing;
  return standing
    .split(', ')
    .map((w) => STANDING_JA[w] ?? w)
    .join('・');
}

const APPROVAL_JA: Readonly<Record<string, string>> = {
  pending: '決裁待ち',
  approved: '承認',
  rejected: '不承認',
  withdrawn: '取下げ',
};

/** An approval's state in words (the id itself in English). */
export function approvalWords(state: string, lang: ConsoleLang): string {
  return lang === 'en' ? state : (APPROVAL_JA[state] ?? state);
}

/** A request type in words (the id itself in English). */
export function typeWords(type: string, lang: ConsoleLang): string {
  return lang === 'en' ? type : (TYPE_JA[type] ?? type);
}
