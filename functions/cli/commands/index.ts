import type { CliCommand } from '../types.ts';
import { auditLogCommand, auditVerifyCommand } from './audit.ts';
import { breachAssessCommand } from './breach.ts';
import { demoCommand } from './demo.ts';
import { holdAddCommand, holdRemoveCommand } from './hold.ts';
import { ingestCommand } from './ingest.ts';
import { landCommand } from './land.ts';
import { policyCheckCommand } from './policy.ts';
import { provideCommand, receiptCommand } from './provide.ts';
import { readCommand } from './read.ts';
import { receiptIssueCommand, receiptKeyCommand, receiptVerifyCommand } from './receipt.ts';
import { registerCommand } from './register.ts';
import { requestCommand } from './request.ts';
import { restoreReconcileCommand } from './restore.ts';
import { sweepCommand } from './sweep.ts';

/** Every CLI command. */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  policyCheckCommand,
  ingestCommand,
  landCommand,
  sweepCommand,
  holdAddCommand,
  holdRemoveCommand,
  provideCommand,
  receiptCommand,
  requestCommand,
  readCommand,
  breachAssessCommand,
  registerCommand,
  auditVerifyCommand,
  auditLogCommand,
  receiptIssueCommand,
  receiptVerifyCommand,
  receiptKeyCommand,
  restoreReconcileCommand,
];
