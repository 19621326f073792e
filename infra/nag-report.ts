/**
 * `npm run nag:nist`: runs the cdk-nag NIST 800-53 rev5 pack over both
 * stacks (informational: the AwsSolutions pack is the one enforced at
 * synthesis) and writes the findings, grouped by rule, as JSON to stdout
 * or to the file given as the first argument.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { NIST80053R5Checks } from 'cdk-nag';
import { createApp } from './create-app.ts';

interface Violation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: { constructPath: string }[];
}

const outdir = await mkdtemp(join(tmpdir(), 'wasure-nist-'));
try {
  const { app } = createApp({ nag: false, outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new NIST80053R5Checks(app));
  try {
    app.synth();
  } catch {
    // Findings make synthesis fail; the report below holds them.
  }
  const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8').catch(() => '{"pluginReports":[]}')) as {
    pluginReports: { violations: Violation[] }[];
  };
  const findings = report.pluginReports
    .flatMap((p) => p.violations)
    .map((v) => ({
      rule: v.ruleName,
      description: v.description.replace(/\u00a0/g, ' '),
      resources: v.violatingConstructs.map((c) => c.constructPath).sort(),
    }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
  const text = `${JSON.stringify({ pack: 'NIST.800.53.R5', rules: findings.length, findings: findings.reduce((n, f) => n + f.resources.length, 0), byRule: findings }, null, 2)}\n`;
  const target = process.argv[2];
  if (target === undefined) {
    process.stdout.write(text);
  } else {
    await writeFile(target, text);
    process.stderr.write(`${findings.length} rules, written to ${target}\n`);
  }
} finally {
  await rm(outdir, { recursive: true, force: true });
}
