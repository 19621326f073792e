/**
 * CLI latency benchmark: how long a user waits for `wasure` in embedded
 * mode, against `node -e 0` measured in the same run. Each command runs as
 * a user runs it (`node bin/wasure.mjs …`), several times, interleaved so
 * the machine's noise falls on all of them alike; medians are reported in
 * seconds and as ratios to the baseline.
 *
 * - one-line commands: `wasure --version` (no store), `wasure read` of a
 *   record that is not held and `wasure audit verify`, cold (a fresh state
 *   directory, an empty template cache) and warm (the same directory again);
 * - `wasure sweep --dry-run` on a warm directory with the synthesized-template
 *   cache emptied (cold) and filled (warm);
 * - a profile of where the time goes: tsx's start, loading the CLI's
 *   modules, the two-process launcher, DynamoDB Local's JVM, opening the
 *   stores (fresh and existing directory), synthesizing vs reading the cache.
 *
 * Results: bench/results/cli.json. Targets (issue 14): a warm one-line
 * command ≤ 1.5 s, a cold one ≤ 4 s, on an idle machine.
 *
 *   BENCH_CLI_REPS=5 npm run bench:cli
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPS = Number(process.env.BENCH_CLI_REPS ?? 5);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'wasure.mjs');
const CACHE = join(ROOT, 'node_modules', '.cache', 'wasure');
const WARM_ONE_LINE_TARGET_S = 1.5;
const COLD_ONE_LINE_TARGET_S = 4;

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Every number in a probe's answer, to 2 decimals. */
const roundAll = (value: unknown): unknown =>
  typeof value === 'number'
    ? round(value)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundAll(v)]))
      : value;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

interface Run {
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; fails the benchmark on an exit code not in `ok`. */
function timed(args: readonly string[], cwd: string, ok: readonly number[] = [0]): Run {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const seconds = (performance.now() - started) / 1000;
  if (!ok.includes(r.status ?? -1)) {
    throw new Error(`node ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  }
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

const wasure = (argv: readonly string[], cwd: string, ok?: readonly number[]) => timed([BIN, ...argv], cwd, ok);

async function emptyCache(): Promise<void> {
  const names = await readdir(CACHE).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith('template-')).map((n) => rm(join(CACHE, n), { force: true })));
}

/** The measured cases, each run once per repetition. */
function cases(work: string, warmDir: string): Record<string, () => Promise<number>> {
  let fresh = 0;
  const freshDir = async () => {
    await emptyCache();
    fresh += 1;
    return join(work, `cold-${fresh}`);
  };
  // `read` of a record that is not held opens every store, checks the
  // purpose and answers exit 2: the shortest command that touches data.
  const read = (dir: string) => wasure(['read', '--record', 'bench-none', '--purpose', 'bench', '--local', dir], work, [2]).seconds;
  return {
    nodeBaseline: async () => timed(['-e', '0'], work).seconds,
    tsxStart: async () => timed(['--import', 'tsx', '-e', '0'], ROOT).seconds,
    version: async () => wasure(['--version'], work).seconds,
    readCold: async () => read(await freshDir()),
    readWarm: async () => read(warmDir),
    auditVerifyCold: async () => wasure(['audit', 'verify', '--local', await freshDir()], work).seconds,
    auditVerifyWarm: async () => wasure(['audit', 'verify', '--local', warmDir], work).seconds,
    sweepDryRunColdCache: async () => {
      await emptyCache();
      return wasure(['sweep', '--dry-run', '--local', warmDir], work).seconds;
    },
    sweepDryRunWarmCache: async () => wasure(['sweep', '--dry-run', '--local', warmDir], work).seconds,
  };
}

/** A TypeScript script run through tsx that prints one JSON line. */
async function probe(work: string, name: string, body: string): Promise<Record<string, unknown>> {
  const file = join(work, `${name}.mts`);
  await writeFile(file, body);
  const r = timed(['--import', 'tsx', file], ROOT);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Record<string, unknown>;
}

const moduleUrl = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

/** Where the time goes, measured inside one process per question. */
async function profile(work: string, warmDir: string): Promise<Record<string, unknown>> {
  const cliModules = await probe(
    work,
    'modules',
    `const t = performance.now();
await import(${moduleUrl('functions/cli/main.ts')});
console.log(JSON.stringify({ loadCliModulesSeconds: (performance.now() - t) / 1000 }));
`,
  );
  const direct = median(
    Array.from({ length: 3 }, () => timed(['--import', 'tsx', join(ROOT, 'functions/cli/main.ts'), '--version'], ROOT).seconds),
  );
  const stores = `import { startEmbedded } from ${moduleUrl('functions/local/embedded.ts')};
const dir = process.argv[2];
const open = async () => {
  let jvm = 0;
  const t = performance.now();
  const e = await startEmbedded({ dir, persist: true, log: (l) => { const m = / in (\\d+) ms/.exec(l); if (m) jvm = Number(m[1]) / 1000; } });
  const total = (performance.now() - t) / 1000;
  const s = performance.now();
  await e.stop();
  return { total, jvm, stop: (performance.now() - s) / 1000 };
};
const fresh = await open();
const existing = await open();
console.log(JSON.stringify({ fresh, existing }));
`;
  await writeFile(join(work, 'stores.mts'), stores);
  const storesRun = timed(['--import', 'tsx', join(work, 'stores.mts'), join(work, 'profile-state')], ROOT);
  const opened = JSON.parse(storesRun.stdout.trim().split('\n').pop() ?? '{}') as Record<string, Record<string, number>>;
  const synth = `import { createRequire } from 'node:module';
const t = performance.now();
const { synthesizedTemplate } = await import(${moduleUrl('functions/local/local-sweep.ts')});
await synthesizedTemplate();
const cdk = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/aws-cdk-lib/'));
console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, awsCdkLibLoaded: cdk }));
`;
  // The steps of opening the runtime on the warm directory, as a command does.
  const runtime = `import { startEmbedded } from ${moduleUrl('functions/local/embedded.ts')};
import { clockAt, embeddedDeps, loadCatalogue, SAMPLE_CATALOGUE } from ${moduleUrl('functions/runtime.ts')};
import { recoverInterrupted } from ${moduleUrl('shared/use-cases/recover-interrupted.ts')};
const lap = (() => { let t = performance.now(); return () => { const n = performance.now(); const s = (n - t) / 1000; t = n; return s; }; })();
let jvm = 0;
const catalogue = await loadCatalogue(SAMPLE_CATALOGUE);
const e = await startEmbedded({ dir: process.argv[2], persist: true, log: (l) => { const m = / in (\\d+) ms/.exec(l); if (m) jvm = Number(m[1]) / 1000; } });
const open = lap();
const { deps, audit } = embeddedDeps(e, catalogue, clockAt(undefined));
await recoverInterrupted(deps, '9999-12-31T23:59:59.999Z');
const recover = lap();
await audit.notePolicyVersion(catalogue.version, 'system:bench');
const notePolicy = lap();
await e.stop();
const stop = lap();
console.log(JSON.stringify({ jvm, openStores: open, recover, notePolicy, stop }));
`;
  await writeFile(join(work, 'runtime.mts'), runtime);
  const runtimeRun = timed(['--import', 'tsx', join(work, 'runtime.mts'), warmDir], ROOT);
  const warmRuntime = JSON.parse(runtimeRun.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  await emptyCache();
  const miss = await probe(work, 'synth-miss', synth);
  const hit = await probe(work, 'synth-hit', synth);
  return {
    ...cliModules,
    directVersionSeconds: round(direct),
    storesFresh: opened.fresh,
    storesExisting: opened.existing,
    warmRuntimeSteps: warmRuntime,
    templateCacheMiss: miss,
    templateCacheHit: hit,
  };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'wasure-bench-cli-'));
  const loadStart = loadavg().map((x) => round(x, 2));
  try {
    const warmDir = join(work, 'warm');
    await mkdir(warmDir);
    // The warm directory exists and has its stores and a filled cache.
    wasure(['audit', 'verify', '--local', warmDir], work);
    wasure(['sweep', '--dry-run', '--local', warmDir], work);
    const run = cases(work, warmDir);
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(run).map((k) => [k, []]));
    for (let rep = 0; rep < REPS; rep += 1) {
      for (const [name, fn] of Object.entries(run)) {
        const s = await fn();
        samples[name]?.push(s);
        process.stderr.write(`rep ${rep + 1}/${REPS} ${name}: ${s.toFixed(2)} s\n`);
      }
    }
    const base = median(samples.nodeBaseline ?? []);
    const rows = Object.entries(samples).map(([name, xs]) => ({
      name,
      medianSeconds: round(median(xs)),
      vsNodeBaseline: round(median(xs) / base, 1),
      seconds: xs.map((x) => round(x)),
    }));
    const med = (name: string) => median(samples[name] ?? []);
    const target = (name: string, measured: number, wanted: number, basis: string) => ({
      name,
      measuredSeconds: round(measured),
      vsNodeBaseline: round(measured / base, 1),
      targetSeconds: wanted,
      met: measured <= wanted,
      basis,
    });
    const targets = [
      target('warmOneLine', med('readWarm'), WARM_ONE_LINE_TARGET_S, 'wasure read on an existing state directory'),
      target('warmOneLineAuditVerify', med('auditVerifyWarm'), WARM_ONE_LINE_TARGET_S, 'wasure audit verify on an existing state directory'),
      target('coldOneLine', med('readCold'), COLD_ONE_LINE_TARGET_S, 'wasure read on a fresh state directory, empty template cache'),
      target('coldOneLineAuditVerify', med('auditVerifyCold'), COLD_ONE_LINE_TARGET_S, 'wasure audit verify on a fresh state directory'),
      target('noStoreCommand', med('version'), WARM_ONE_LINE_TARGET_S, 'wasure --version (opens no store)'),
    ];
    process.stderr.write('profile…\n');
    const where = await profile(work, warmDir);
    const result = {
      measuredAt: new Date().toISOString(),
      repetitions: REPS,
      nodeBaselineSeconds: round(base, 3),
      rows,
      targets,
      sweepCacheSpeedup: round(med('sweepDryRunColdCache') / med('sweepDryRunWarmCache'), 2),
      profile: { ...(roundAll(where) as Record<string, unknown>), launcherVersionSeconds: round(med('version')), tsxStartSeconds: round(med('tsxStart')) },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverageStart: loadStart,
        loadAverageEnd: loadavg().map((x) => round(x, 2)),
      },
      note: 'Targets are for an idle machine; this one is shared (see machine.loadAverage*), so absolute seconds vary run to run and the ratios to node -e 0 in the same run are the figures to compare.',
    };
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'results', 'cli.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ rows: rows.map(({ seconds: _s, ...r }) => r), targets, profile: result.profile }, null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
