import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../src/metrics.js';

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
