import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../../src/metrics.js';

async function requestCounts(metrics: SidecarMetrics): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('latchkey_http_requests_total')?.get();
  return Object.fromEntries(
    (metric?.values ?? []).map(({ labels, value }) => [`${labels.route} ${labels.status}`, value]),
  );
}

describe('request counts', () => {
  it('counts by route and status, across the whole status range, and keeps adding across scrapes', async () => {
    const metrics = new SidecarMetrics(() => 0);
    for (let n = 0; n < 3; n++) metrics.request('get', 200);
    metrics.request('path', 404);
    metrics.request('batch', 599);
    metrics.request('unknown', 100);
    const first = { 'get 200': 3, 'path 404': 1, 'batch 599': 1, 'unknown 100': 1 };
    expect(await requestCounts(metrics)).toEqual(first);
    metrics.request('get', 200);
    metrics.request('ping', 200);
    expect(await requestCounts(metrics)).toEqual({ ...first, 'get 200': 4, 'ping 200': 1 });
  });
});

describe('process and runtime metrics', () => {
  it("publish prom-client's default metrics under the same names, types and help, but for the GC observer and Node's private handle lists", async () => {
    const ours = new SidecarMetrics(() => 0).registry;
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: 'latchkey_sidecar_' });
    const catalogue = async (registry: Registry) =>
      (await registry.getMetricsAsJSON())
        .filter(({ name }) => name.startsWith('latchkey_sidecar_'))
        .map(({ name, type, help }) => `${name} ${type} ${help}`)
        .sort();
    const left = ['nodejs_gc_duration_seconds', 'nodejs_active_handles', 'nodejs_active_requests'];
    expect(await catalogue(ours)).toEqual(
      (await catalogue(defaults)).filter(
        (line) =>
          !left.some(
            (name) =>
              line.startsWith(`latchkey_sidecar_${name} `) ||
              line.startsWith(`latchkey_sidecar_${name}_total `),
          ),
      ),
    );
  });

  it('read the process as it is', async () => {
    const registry = new SidecarMetrics(() => 0).registry;
    const text = await registry.metrics();
    const value = (name: string) =>
      Number(new RegExp(`^latchkey_sidecar_${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(value('nodejs_heap_size_used_bytes'));
    expect(value('process_open_fds')).toBeGreaterThan(2);
    expect(
      Math.abs(value('process_start_time_seconds') - (Date.now() / 1000 - process.uptime())),
    ).toBeLessThan(2);
    expect(text).toContain(
      `latchkey_sidecar_nodejs_version_info{version="${process.version}",major="${process.versions.node.split('.')[0]}"`,
    );
    expect(text).toMatch(/latchkey_sidecar_nodejs_heap_space_size_used_bytes\{space="new"\} [1-9]/);
    expect(text).toMatch(/latchkey_sidecar_nodejs_active_resources\{type="\w+"\} [1-9]/);
  });
});
