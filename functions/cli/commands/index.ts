import type { CliCommand } from '../types.ts';
import { demoCommand } from './demo.ts';
import { ingestCommand } from './ingest.ts';
import { policyCheckCommand } from './policy.ts';

/** Every CLI command. */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  policyCheckCommand,
  ingestCommand,
];
