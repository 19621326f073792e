import type { CliCommand } from '../types.ts';

/**
 * One CLI command as the entry point sees it before loading it: the words
 * that select it and how to load its module. Only the command being run is
 * imported (each pulls in its use cases and SDK clients, over a second for
 * all of them on a busy machine); the top-level help loads them all.
 */
export interface CommandEntry {
  /** Words that select it; equal to the loaded command's `path`. */
  readonly path: readonly string[];
  /** Imports the command's module. */
  readonly load: () => Promise<CliCommand>;
}

/** Every CLI command, in the order the help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { path: ['demo'], load: async () => (await import('./demo.ts')).demoCommand },
  { path: ['policy', 'check'], load: async () => (await import('./policy.ts')).policyCheckCommand },
  { path: ['ingest'], load: async () => (await import('./ingest.ts')).ingestCommand },
  { path: ['land'], load: async () => (await import('./land.ts')).landCommand },
  { path: ['sweep'], load: async () => (await import('./sweep.ts')).sweepCommand },
  { path: ['sweep', 'approve'], load: async () => (await import('./sweep.ts')).sweepApproveCommand },
  { path: ['sweep', 'reject'], load: async () => (await import('./sweep.ts')).sweepRejectCommand },
  { path: ['hold', 'add'], load: async () => (await import('./hold.ts')).holdAddCommand },
  { path: ['hold', 'remove'], load: async () => (await import('./hold.ts')).holdRemoveCommand },
  { path: ['provide'], load: async () => (await import('./provide.ts')).provideCommand },
  { path: ['provide', 'receipt'], load: async () => (await import('./provide.ts')).receiptCommand },
  { path: ['request'], load: async () => (await import('./request.ts')).requestCommand },
  { path: ['request', 'approve'], load: async () => (await import('./request-admin.ts')).requestApproveCommand },
  { path: ['request', 'reject'], load: async () => (await import('./request-admin.ts')).requestRejectCommand },
  { path: ['request', 'withdraw'], load: async () => (await import('./request-admin.ts')).requestWithdrawCommand },
  { path: ['request', 'extend'], load: async () => (await import('./request-admin.ts')).requestExtendCommand },
  { path: ['request', 'pause'], load: async () => (await import('./request-admin.ts')).requestPauseCommand },
  { path: ['request', 'resume'], load: async () => (await import('./request-admin.ts')).requestResumeCommand },
  { path: ['request', 'show'], load: async () => (await import('./request-admin.ts')).requestShowCommand },
  { path: ['request', 'list'], load: async () => (await import('./request-admin.ts')).requestListCommand },
  { path: ['request', 'notice'], load: async () => (await import('./request-admin.ts')).requestNoticeCommand },
  { path: ['request', 'onward'], load: async () => (await import('./request-onward.ts')).requestOnwardCommand },
  { path: ['read'], load: async () => (await import('./read.ts')).readCommand },
  { path: ['breach', 'assess'], load: async () => (await import('./breach.ts')).breachAssessCommand },
  { path: ['register'], load: async () => (await import('./register.ts')).registerCommand },
  { path: ['report', 'annual'], load: async () => (await import('./report.ts')).reportAnnualCommand },
  { path: ['audit', 'verify'], load: async () => (await import('./audit.ts')).auditVerifyCommand },
  { path: ['audit', 'log'], load: async () => (await import('./audit.ts')).auditLogCommand },
  { path: ['receipt', 'issue'], load: async () => (await import('./receipt.ts')).receiptIssueCommand },
  { path: ['receipt', 'verify'], load: async () => (await import('./receipt.ts')).receiptVerifyCommand },
  { path: ['receipt', 'key'], load: async () => (await import('./receipt.ts')).receiptKeyCommand },
  { path: ['restore', 'reconcile'], load: async () => (await import('./restore.ts')).restoreReconcileCommand },
  { path: ['console'], load: async () => (await import('./console.ts')).consoleCommand },
];

/** Loads every command, for the top-level help. */
export async function loadAllCommands(): Promise<CliCommand[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}
