/**
 * The process and runtime metrics Prometheus clients publish, with the names, help and units of prom-client's
 * defaults, read from Node's public APIs when scraped. prom-client offers them only all together
 * (`collectDefaultMetrics`, whose GC-duration collector keeps a PerformanceObserver on every garbage collection:
 * about 2 µs per cache hit in the sidecar benchmark) or one by one from its private `lib/` files.
 * Left out: `nodejs_gc_duration_seconds` (that cost) and `nodejs_active_handles`/`_requests` (Node-private APIs);
 * `nodejs_active_resources` counts the same things.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());
const NS_PER_SECOND = 1e9;
const US_PER_SECOND = 1e6;

/** `/proc/self/status` fields in kB, by name; empty where there is no `/proc`. */
function procStatus(): Map<string, number> {
  const fields = new Map<string, number>();
  try {
    for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const match = /^(\w+):\s+(\d+) kB$/.exec(line);
      if (match) fields.set(match[1] as string, Number(match[2]) * 1024);
    }
  } catch {}
  return fields;
}

function maxOpenFiles(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

function openFiles(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the directory handle being read
  } catch {
    return undefined;
  }
}

type Collect = () => void;

export function registerRuntimeMetrics(registry: Registry, prefix: string): void {
  const registers = [registry];
  const gauge = (name: string, help: string, collect?: Collect, labelNames: string[] = []) =>
    new Gauge({ name: prefix + name, help, labelNames, registers, ...(collect && { collect }) });
  const counter = (name: string, help: string, collect?: Collect) =>
    new Counter({ name: prefix + name, help, registers, ...(collect && { collect }) });

  // A group's first metric sets the group's others when scraped: prom-client reads them right after it.
  let lastCpu = process.cpuUsage();
  const cpuUser = counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', () => {
    const now = process.cpuUsage();
    const user = (now.user - lastCpu.user) / US_PER_SECOND;
    const system = (now.system - lastCpu.system) / US_PER_SECOND;
    lastCpu = now;
    cpuUser.inc(user);
    cpuSystem.inc(system);
    cpuTotal.inc(user + system);
  });
  const cpuSystem = counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.');
  const cpuTotal = counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');

  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.').set(
    START_SECONDS,
  );

  const resident = gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => {
    const status = procStatus();
    resident.set(status.get('VmRSS') ?? process.memoryUsage.rss());
    const size = status.get('VmSize');
    const data = status.get('VmData');
    if (size !== undefined) virtual.set(size);
    if (data !== undefined) heap.set(data);
  });
  const virtual = gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.');
  const heap = gauge('process_heap_bytes', 'Process heap size in bytes.');

  const open = gauge('process_open_fds', 'Number of open file descriptors.', () => {
    const count = openFiles();
    if (count !== undefined) open.set(count);
  });
  const max = maxOpenFiles();
  if (max !== undefined) gauge('process_max_fds', 'Maximum number of open file descriptors.').set(max);

  // The event-loop delay monitor starts at the first scrape, which reports no delays yet. Until something scrapes,
  // nothing reads it, and it would cost its histogram (0.35 MB) and a timer waking the process every 10 ms.
  let delay: IntervalHistogram | undefined;
  const lag = gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', () => {
    // The lag now: how long a callback queued now waits for its turn (read at the next scrape).
    const queued = process.hrtime.bigint();
    setImmediate(() => lag.set(Number(process.hrtime.bigint() - queued) / NS_PER_SECOND));
    if (delay === undefined) {
      delay = process.getBuiltinModule('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      return;
    }
    for (const { metric, read } of lagStatistics) metric.set(read(delay) / NS_PER_SECOND);
    delay.reset();
  });
  const lagStatistics = (
    [
      ['min', 'The minimum recorded event loop delay.', (recorded) => recorded.min],
      ['max', 'The maximum recorded event loop delay.', (recorded) => recorded.max],
      ['mean', 'The mean of the recorded event loop delays.', (recorded) => recorded.mean],
      ['stddev', 'The standard deviation of the recorded event loop delays.', (recorded) => recorded.stddev],
      [
        'p50',
        'The 50th percentile of the recorded event loop delays.',
        (recorded) => recorded.percentile(50),
      ],
      [
        'p90',
        'The 90th percentile of the recorded event loop delays.',
        (recorded) => recorded.percentile(90),
      ],
      [
        'p99',
        'The 99th percentile of the recorded event loop delays.',
        (recorded) => recorded.percentile(99),
      ],
    ] as const satisfies readonly (readonly [string, string, (recorded: IntervalHistogram) => number])[]
  ).map(([statistic, help, read]) => ({
    metric: gauge(`nodejs_eventloop_lag_${statistic}_seconds`, help),
    read,
  }));

  const resources = gauge(
    'nodejs_active_resources',
    'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
    () => {
      const active = process.getActiveResourcesInfo();
      const byType = new Map<string, number>();
      for (const type of active) byType.set(type, (byType.get(type) ?? 0) + 1);
      resources.reset();
      for (const [type, count] of byType) resources.set({ type }, count);
      resourcesTotal.set(active.length);
    },
    ['type'],
  );
  const resourcesTotal = gauge('nodejs_active_resources_total', 'Total number of active resources.');

  const heapTotal = gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => {
    const usage = process.memoryUsage();
    heapTotal.set(usage.heapTotal);
    heapUsed.set(usage.heapUsed);
    external.set(usage.external);
  });
  const heapUsed = gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.');
  const external = gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.');

  const space = (kind: string, collect?: Collect) =>
    gauge(
      `nodejs_heap_space_size_${kind}_bytes`,
      `Process heap space size ${kind} from Node.js in bytes.`,
      collect,
      ['space'],
    );
  const spaceTotal = space('total', () => {
    // node:v8 at the first scrape, not at start-up: 0.3 MB resident on Node 24 for a sidecar nobody scrapes.
    for (const statistics of process.getBuiltinModule('node:v8').getHeapSpaceStatistics()) {
      const labels = { space: statistics.space_name.replace(/_space$/, '') };
      spaceTotal.set(labels, statistics.space_size);
      spaceUsed.set(labels, statistics.space_used_size);
      spaceAvailable.set(labels, statistics.space_available_size);
    }
  });
  const spaceUsed = space('used');
  const spaceAvailable = space('available');

  const [major, minor, patch] = process.versions.node.split('.');
  gauge('nodejs_version_info', 'Node.js version info.', undefined, [
    'version',
    'major',
    'minor',
    'patch',
  ]).set({ version: process.version, major, minor, patch }, 1);
}
