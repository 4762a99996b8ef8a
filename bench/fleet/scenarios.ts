// The fleet scenarios: a steady day, a deploy (the whole fleet restarting within 60 s, with and without prefetch),
// a rotation of the fleet-shared secret (single user and alternating users), and a 10-minute upstream outage.
// Each returns what the apps saw and what the upstream received, scaled to the fleet the simulated pods stand for.
import { Fleet, type FleetOptions, SHARED_SECRET } from './fleet.js';
import type { Policy } from './policies.js';
import { OPERATIONS, type Operation } from './upstream.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Secrets Manager's API price: $0.05 per 10,000 calls. */
const PRICE_PER_CALL = 0.05 / 10_000;
const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface OperationFigures {
  /** Calls per second over the scenario (every attempt, throttled ones included), for the whole fleet. */
  mean: number;
  /** The busiest second (or minute average, see `peakWindow`). */
  peak: number;
  throttled: number;
}

export interface ScenarioResult {
  scenario: string;
  policy: string;
  /** Pods simulated, and the fleet they stand for. */
  simulated: number;
  fleetSize: number;
  operations: Record<Operation, OperationFigures>;
  /** Upstream answers that were throttles, every operation. */
  throttled: number;
  costPerMonth: number;
  failedCached: number;
  failedCold: number;
  refusedLogins: number;
  /** Seconds until the scenario's goal (see the scenario). */
  converge: Record<string, number | undefined>;
}

function figures(
  fleet: Fleet,
  scenario: string,
  policy: Policy,
  durationMs: number,
  peakWindowS: number,
  converge: ScenarioResult['converge'],
): ScenarioResult {
  const scale = fleet.fleetSize / fleet.size;
  const seconds = durationMs / SECOND;
  let throttled = 0;
  let ok = 0;
  const operations = {} as Record<Operation, OperationFigures>;
  for (const operation of OPERATIONS) {
    const counter = fleet.upstream.counters.get(operation)!;
    const total = counter.attempts.reduce((sum, n) => sum + (n ?? 0), 0);
    let peak = 0;
    for (let from = 0; from < counter.attempts.length; from += peakWindowS) {
      let window = 0;
      for (let s = from; s < from + peakWindowS; s++) window += counter.attempts[s] ?? 0;
      peak = Math.max(peak, window / peakWindowS);
    }
    operations[operation] = {
      mean: (total / seconds) * scale,
      peak: peak * scale,
      throttled: counter.throttled * scale,
    };
    throttled += counter.throttled;
    ok += counter.ok;
  }
  return {
    scenario,
    policy: policy.name,
    simulated: fleet.size,
    fleetSize: fleet.fleetSize,
    operations,
    throttled: throttled * scale,
    costPerMonth: ((ok * scale) / seconds) * SECONDS_PER_MONTH * PRICE_PER_CALL,
    failedCached: fleet.failedCached * scale,
    failedCold: fleet.failedCold * scale,
    refusedLogins: fleet.refusedLogins * scale,
    converge,
  };
}

const since = (at: number, from: number) =>
  Number.isFinite(at) && at >= from ? (at - from) / SECOND : undefined;

/** A fleet rolled out over one TTL (5 minutes), so its refreshes are spread as after hours of running. */
async function warmFleet(policy: Policy, options: FleetOptions): Promise<Fleet> {
  const fleet = new Fleet(policy, options);
  fleet.startAll(5 * MINUTE);
  await fleet.run(6 * MINUTE);
  return fleet;
}

/** Steady state: `hours` of a warm fleet; calls by operation, peaks as one-minute averages. */
export async function steady(policy: Policy, options: FleetOptions, hours = 24): Promise<ScenarioResult> {
  const fleet = await warmFleet(policy, options);
  fleet.resetRecords();
  await fleet.run(hours * HOUR);
  fleet.close();
  return figures(fleet, `steady ${hours} h`, policy, hours * HOUR, 60, {});
}

/** One event on a warm fleet: what it does, and how long its effects are measured. */
interface Incident {
  readonly name: string;
  readonly durationMs: number;
  /** Starts the incident; returns what is measured once `durationMs` has passed. */
  start(fleet: Fleet, policy: Policy): (fleet: Fleet) => ScenarioResult['converge'];
}

/**
 * A rotation of the fleet-shared secret, as a rotation Lambda runs it: createSecret (AWSPENDING), setSecret 1 s
 * later, finishSecret (AWSCURRENT moves) 1 s after that. With a single user, setSecret changes the password, so the
 * old version is refused from then on; with alternating users the old user keeps working. Converged: time from
 * finishSecret until 99% and 100% of the pods serve the new version.
 */
function rotation(singleUser: boolean): Incident {
  return {
    name: singleUser ? 'rotation, single user' : 'rotation, alternating users',
    durationMs: 5.5 * MINUTE,
    start(fleet) {
      const { upstream } = fleet;
      fleet.loginChecks = true;
      const old = upstream.currentVersion(SHARED_SECRET);
      fleet.trackVersion(upstream.startRotation(SHARED_SECRET));
      if (singleUser) fleet.clock.schedule(() => upstream.revoked.add(old), SECOND);
      const finishedAt = fleet.clock.now() + 2 * SECOND;
      fleet.clock.schedule(() => upstream.finishRotation(SHARED_SECRET), 2 * SECOND);
      return () => {
        fleet.loginChecks = false;
        return {
          converged99: since(fleet.converged99At, finishedAt),
          converged100: since(fleet.converged100At, finishedAt),
        };
      };
    },
  };
}

/**
 * A 10-minute outage (every call refused) during which 1% of the pods restart (their reads are cold), then
 * recovery. Converged: time from recovery until the last stale or failed read. A cold read made during the outage
 * may fail (a little) after the recovery, as its client's retries end; one made after the recovery must not.
 */
const outage: Incident = {
  name: 'outage 10 min',
  durationMs: 13 * MINUTE,
  start(fleet) {
    const outageMs = 10 * MINUTE;
    fleet.upstream.outage(outageMs);
    for (let i = 0; i < fleet.size; i += 100) fleet.restart(i, fleet.random() * outageMs);
    const recovered = fleet.clock.now() + outageMs;
    fleet.coldFailuresFrom = recovered;
    return () => ({
      lastStale: since(fleet.lastStaleAt, recovered),
      lastFailed: since(fleet.lastFailedAt, recovered),
      // Cold reads made after the recovery that failed: failures the outage does not excuse.
      coldFailedAfter: fleet.failedColdLate * (fleet.fleetSize / fleet.size),
    });
  },
};

/** A deploy: every pod restarts at a random moment within 60 s. Converged: every pod has read all its secrets. */
function restart(prefetch: boolean): Incident {
  return {
    name: prefetch ? 'restart in 60 s, prefetch' : 'restart in 60 s',
    durationMs: 3 * MINUTE,
    start(fleet, policy) {
      const from = fleet.clock.now();
      for (let i = 0; i < fleet.size; i++)
        fleet.restart(i, fleet.random() * MINUTE, prefetch && policy.hasPrefetch);
      return () => ({ allReady: since(fleet.allReadyAt, from) });
    },
  };
}

/** The incidents, in the order one warm fleet lives through them (each ends with the fleet settled again). */
export const INCIDENTS: readonly Incident[] = [
  rotation(false),
  rotation(true),
  outage,
  restart(false),
  restart(true),
];

/** Warms one fleet and takes it through every incident; one result per incident. */
export async function incidents(policy: Policy, options: FleetOptions): Promise<ScenarioResult[]> {
  const fleet = await warmFleet(policy, options);
  const results: ScenarioResult[] = [];
  for (const incident of INCIDENTS) {
    fleet.resetRecords();
    const measure = incident.start(fleet, policy);
    await fleet.run(incident.durationMs);
    results.push(figures(fleet, incident.name, policy, incident.durationMs, 1, measure(fleet)));
  }
  fleet.close();
  return results;
}
