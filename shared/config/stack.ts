/**
 * What the deployed stacks and the code that reads them agree on: stack
 * ids, output names and the default region. Infra declares the outputs;
 * the CLI (`--stack`) and functions read them by these names, without
 * importing infra.
 */

/** Region of a deployment that names none (Tokyo). */
export const DEFAULT_REGION = 'ap-northeast-1';

/** Stack ids. */
export const STACK_IDS = {
  stateful: 'WasureStateful',
  stateless: 'WasureStateless',
  console: 'WasureConsole',
} as const;

/**
 * CloudFormation outputs that name no resource (each resource's output is
 * in the resource manifest, `resources.ts`).
 */
export const OUTPUTS = {
  catalogueVersion: 'CatalogueVersion',
  alarmTopic: 'AlarmTopicArn',
} as const;
