import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on a construct with one written reason.
 * Findings that carry a detail (`AwsSolutions-IAM5[Resource::*]`) must be
 * acknowledged one by one: a bare rule id does not cover them.
 */
export function acknowledge(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) {
    Validations.of(scope).acknowledge({ id, reason });
  }
}
