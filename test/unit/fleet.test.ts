// The fleet simulation in CI, small: 200 Latchkey pods (quotas scaled to match) through every incident and a
// steady hour, on virtual time. Apps must never fail to read a secret they had read before, and cold reads fail
// only while the upstream is down. `npm run bench -- fleet` runs it at 10,000 pods, side by side with the models.
import { describe, expect, it } from 'vitest';
import { latchkey } from '../../bench/fleet/policies.js';
import { incidents, steady } from '../../bench/fleet/scenarios.js';

describe('fleet simulation, reduced (200 pods standing for 10,000)', () => {
  it('Latchkey: no failed read of a cached secret in any incident, and no cold read fails but in the outage', async () => {
    const results = await incidents(latchkey, { clients: 200 });
    expect(results.map((r) => r.scenario)).toEqual([
      'rotation, alternating users',
      'rotation, single user',
      'outage 10 min',
      'restart in 60 s',
      'restart in 60 s, prefetch',
    ]);
    for (const result of results) {
      expect({ scenario: result.scenario, failedCached: result.failedCached }).toEqual({
        scenario: result.scenario,
        failedCached: 0,
      });
      if (result.scenario !== 'outage 10 min') expect(result.failedCold).toBe(0);
    }
    const outage = results.find((r) => r.scenario === 'outage 10 min');
    expect(outage?.converge.coldFailedAfter).toBe(0);
    // Stale values are gone within one read of each app (every 15 s) plus the recovery spread (10 s): every cache
    // refreshes its stale keys in the background once it sees the upstream back, read or not.
    expect(outage?.converge.lastStale).toBeLessThanOrEqual(25);
    for (const rotation of results.filter((r) => r.scenario.startsWith('rotation'))) {
      expect(rotation.converge.converged100).toBeDefined();
    }
  }, 120_000);

  it('Latchkey: a steady hour costs one DescribeSecret per secret per TTL-ish and throttles nothing', async () => {
    const [result] = [await steady(latchkey, { clients: 100 }, 1)];
    expect(result?.failedCached).toBe(0);
    expect(result?.throttled).toBe(0);
    // 10,000 pods × 20 secrets, each checked about every 4 minutes (TTL 5 m, jitter 10%, refresh-ahead 20%).
    expect(result?.operations.DescribeSecret.mean).toBeGreaterThan(500);
    expect(result?.operations.DescribeSecret.mean).toBeLessThan(1200);
  }, 120_000);

  it('Latchkey: at a twentieth of the quotas (GetSecretValue 500/s) loading is throttled, and no cached read fails', async () => {
    const result = await steady(latchkey, { clients: 100, quotaFactor: 0.05 }, 1);
    expect(result.throttled).toBeGreaterThan(0);
    expect(result.failedCached).toBe(0);
  }, 120_000);
});
