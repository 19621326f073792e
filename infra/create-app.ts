import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG, type StageConfig } from './config.ts';
import { ALARM_EMAIL_CONTEXT, DESTROY_DATA_CONTEXT, STACK_IDS } from './names.ts';
import { ConsoleStack } from './stacks/console-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** CDK context values. */
  readonly context?: Record<string, unknown>;
  /** Overrides of the stage configuration. */
  readonly config?: Partial<StageConfig>;
  /** Output directory of the cloud assembly. */
  readonly outdir?: string;
  /** Register the cdk-nag AwsSolutions pack. @default true */
  readonly nag?: boolean;
}

/** Builds the app: the only place stacks are created. */
export function createApp(options: CreateAppOptions = {}) {
  const app = new App({
    context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...options.context },
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
  });
  const alarmEmail = app.node.tryGetContext(ALARM_EMAIL_CONTEXT) as string | undefined;
  const config: StageConfig = {
    ...DEFAULT_CONFIG,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...options.config,
  };
  const env = { region: config.region, ...(config.account === undefined ? {} : { account: config.account }) };
  const destroyData = ['true', true].includes(app.node.tryGetContext(DESTROY_DATA_CONTEXT));
  const stateful = new StatefulStack(app, STACK_IDS.stateful, { env, config, destroyData });
  const stateless = new StatelessStack(app, STACK_IDS.stateless, { env, config, stateful });
  const consoleStack = config.console.enabled ? new ConsoleStack(app, STACK_IDS.console, { env, config, stateful, stateless }) : undefined;
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stateful, stateless, console: consoleStack, config };
}
