/**
 * Structured operational logs. A line holds an event name and scalar
 * fields chosen by the code that logs (counts, ids of requests, sweeps and
 * executions, error names); never record fields, subject ids or error
 * messages, which may quote input.
 */

/** A scalar log field. */
export type LogValue = string | number | boolean;

/** One log line. */
export type LogLine = Readonly<Record<string, LogValue>> & {
  readonly level: 'info' | 'error';
  readonly event: string;
};

/** Where log lines go. */
export type Logger = (line: LogLine) => void;

/** A logger writing one JSON object a line (Lambda's JSON log format keeps it as the message). */
export function jsonLogger(write: (text: string) => void = (t) => console.log(t)): Logger {
  return (line) => write(JSON.stringify(line));
}

type Task = (event: never) => Promise<unknown>;

/** How to summarise a task's result in its log line. */
export type Summaries<T extends Record<string, Task>> = {
  readonly [K in keyof T]?: (result: Awaited<ReturnType<T[K]>>) => Record<string, LogValue>;
};

/**
 * Wraps each task so that it logs one line when it ends: `component.task`,
 * its duration and its summary, or, when it throws, the error's name only.
 */
export function instrument<T extends Record<string, Task>>(
  component: string,
  tasks: T,
  log: Logger | undefined,
  summaries: Summaries<T>,
): T {
  if (log === undefined) {
    return tasks;
  }
  const wrapped: Record<string, Task> = {};
  for (const [name, task] of Object.entries(tasks)) {
    wrapped[name] = async (event: never) => {
      const started = Date.now();
      try {
        const result = await task(event);
        const summary = summaries[name as keyof T]?.(result as never) ?? {};
        log({ ...summary, level: 'info', event: `${component}.${name}`, ms: Date.now() - started });
        return result;
      } catch (error) {
        log({
          level: 'error',
          event: `${component}.${name}`,
          ms: Date.now() - started,
          error: error instanceof Error ? error.name : 'unknown',
        });
        throw error;
      }
    };
  }
  return wrapped as T;
}

/** Which numeric fields of which log events are also metrics. */
export type MetricFields = Readonly<Record<string, readonly string[]>>;

/**
 * One CloudWatch embedded-metric-format document for a log line: the
 * listed numeric fields of `line` as metrics of `namespace` (no
 * dimensions), or undefined when the line carries none of them.
 */
export function metricDocument(namespace: string, line: LogLine, fields: readonly string[], timestamp: number): string | undefined {
  const values = Object.fromEntries(fields.flatMap((f) => (typeof line[f] === 'number' ? [[f, line[f]]] : [])));
  const names = Object.keys(values);
  if (names.length === 0) {
    return undefined;
  }
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[]], Metrics: names.map((Name) => ({ Name, Unit: 'None' })) }],
    },
    ...values,
  });
}

/**
 * A logger that also publishes the chosen fields of chosen events as
 * CloudWatch metrics, so alarms can watch them. The metric document goes
 * straight to standard output: Lambda's JSON log format would wrap a
 * `console.log` line as a string message, which CloudWatch does not read
 * as embedded metrics.
 */
export function withMetrics(
  log: Logger,
  namespace: string,
  metrics: MetricFields,
  write: (text: string) => void = (t) => {
    process.stdout.write(`${t}\n`);
  },
  now: () => number = Date.now,
): Logger {
  return (line) => {
    log(line);
    const fields = metrics[line.event];
    const doc = fields === undefined ? undefined : metricDocument(namespace, line, fields, now());
    if (doc !== undefined) {
      write(doc);
    }
  };
}
