/**
 * Who may do what in the console. Three roles, as the Cognito user pool's
 * groups on AWS: an operator files and handles requests, holds, sweeps and
 * breach drafts; an approver decides what waits for approval (決裁); an
 * auditor reads and verifies the trail. Everyone signed in may read.
 * Locally the one person at the machine holds all three; four-eyes still
 * holds there, by operator name, in the use cases.
 */
export const CONSOLE_ROLES = ['operator', 'approver', 'auditor'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * The roles any of which may make a state-changing call on `path`
 * (undefined: any signed-in user). Decisions need an approver; reading
 * the trail (a POST only to keep the subject id out of the URL) any role;
 * everything else that changes something an operator.
 */
export function rolesFor(path: string): readonly ConsoleRole[] | undefined {
  if (/^\/(api\/)?logout$/.test(path) || /^\/(api\/)?audit(\/|$)/.test(path)) return undefined;
  if (/\/(approve|reject)$/.test(path)) return ['approver'];
  return ['operator'];
}
