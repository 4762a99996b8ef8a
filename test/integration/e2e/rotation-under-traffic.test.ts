/**
 * Rotation under live traffic, end to end: the emulator's RotateSecret invokes our rotation functions against a
 * password-checking PostgreSQL cluster and the shared MariaDB, while an app on the SDK's pool helpers and an app
 * reading the sidecar over HTTP keep querying. One run (four scenarios at once) feeds every assertion below; the
 * same harness is `npm run e2e` and bench/e2e.bench.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkReport,
  formatReport,
  insideRotationWindow,
  pickupLatencies,
} from '../../../e2e/traffic/report.js';
import { runRotationUnderTraffic, TRAFFIC_DEFAULTS, type TrafficReport } from '../../../e2e/traffic/run.js';
import { mariadbAvailable } from '../../support/services.js';

const available = await mariadbAvailable();
/** Fewer than `npm run e2e`'s TRAFFIC_DEFAULTS.rotations (5), which took 10 s each in CI: every check below is made
 * per rotation, and three already take alternating users to the clone, back to the user and to the clone again. */
const ROTATIONS = 3;

describe.skipIf(!available)('rotation under live traffic', () => {
  let report: TrafficReport;
  let output: string;

  beforeAll(async () => {
    const progress: string[] = [];
    report = await runRotationUnderTraffic({
      rotations: ROTATIONS,
      sidecarTtlSeconds: TRAFFIC_DEFAULTS.sidecarTtlSeconds,
      progress: (line) => progress.push(line),
    });
    output = [...progress, formatReport(report)].join('\n');
    console.log(output);
  }, 120_000);

  const scenarios = (strategy: 'single-user' | 'alternating-users') =>
    report.scenarios.filter((scenario) => scenario.strategy === strategy);

  it('runs every requested rotation of both engines and strategies, each moving AWSCURRENT to a new password', () => {
    expect(report.scenarios.map((s) => `${s.engine}/${s.strategy}`).sort()).toEqual([
      'mariadb/alternating-users',
      'mariadb/single-user',
      'postgres/alternating-users',
      'postgres/single-user',
    ]);
    for (const scenario of report.scenarios) {
      expect(scenario.rotations).toHaveLength(ROTATIONS);
      for (const rotation of scenario.rotations) {
        expect(rotation).toMatchObject({ status: 'succeeded', currentChanged: true, userAsExpected: true });
      }
      const versions = [
        scenario.initialVersionId,
        ...scenario.rotations.map((rotation) => rotation.versionId),
      ];
      expect(new Set(versions).size).toBe(versions.length);
    }
  });

  it('keeps both apps querying and logging in anew throughout (no vacuous pass)', () => {
    for (const { sdkApp, sidecarClient, rotations } of report.scenarios) {
      expect(sdkApp.queries).toBeGreaterThanOrEqual(TRAFFIC_DEFAULTS.minQueriesPerClient);
      expect(sidecarClient.queries).toBeGreaterThanOrEqual(TRAFFIC_DEFAULTS.minQueriesPerClient);
      expect(sdkApp.connections).toBeGreaterThan(rotations.length);
      expect(sidecarClient.connections).toBeGreaterThan(rotations.length);
    }
  });

  it('alternating users: neither app sees a single failed query', () => {
    for (const { sdkApp, sidecarClient } of scenarios('alternating-users')) {
      expect(sdkApp.failures).toEqual([]);
      expect(sidecarClient.failures).toEqual([]);
      // The old user's password did change under the app: its pool logged in again with the new version.
      expect(sdkApp.retries).toBeGreaterThan(0);
    }
  });

  it('single user: the sidecar client fails only with replaced credentials, between setSecret and receiving the new version', () => {
    for (const scenario of scenarios('single-user')) {
      const outside = scenario.sidecarClient.failures.filter(
        (failure) => !insideRotationWindow(scenario, failure),
      );
      expect(outside).toEqual([]);
    }
  });

  it('single user: no failed query reaches the app on the SDK pool helpers, which retried the refused logins', () => {
    for (const { sdkApp } of scenarios('single-user')) {
      expect(sdkApp.failures).toEqual([]);
      expect(sdkApp.retries).toBeGreaterThan(0);
    }
  });

  it('measures finishSecret -> the sidecar serving the new version for every rotation', () => {
    expect(pickupLatencies(report.scenarios)).toHaveLength(4 * ROTATIONS);
  });

  it('passes the checks `npm run e2e` makes', () => {
    expect(
      checkReport(report, { minQueriesPerClient: TRAFFIC_DEFAULTS.minQueriesPerClient }).violations,
    ).toEqual([]);
  });

  it('no password reaches a log line (rotator, sidecar, audit, SDK), the progress lines or the printed report', () => {
    // Each scenario's user and every rotated version, plus the two masters.
    expect(report.secretValuesKnown).toBeGreaterThanOrEqual(4 * (ROTATIONS + 1) + 2);
    for (const lines of Object.values(report.logLines)) expect(lines).toBeGreaterThan(0);
    expect(report.secretValuesInLogs).toBe(0);
    expect(report.countSecretsIn(output)).toBe(0);
  });
});
