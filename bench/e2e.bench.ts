// Rotation under live traffic, once (the harness of test/integration/e2e and `npm run e2e`): queries, reconnects, retries and
// failures per app, engine and strategy, and finishSecret -> sidecar serving the new version (p50/max).
// Needs PostgreSQL's server binaries (a private cluster is started) and MariaDB on 127.0.0.1:3306; without MariaDB
// it says so and returns, so the benchmarks after it still run.
import { checkReport, formatChecks, formatReport } from '../e2e/traffic/report.js';
import { runRotationUnderTraffic, TRAFFIC_DEFAULTS } from '../e2e/traffic/run.js';
import { mariadbAvailable } from '../test/support/services.js';

export async function run(): Promise<void> {
  if (!(await mariadbAvailable())) return;
  const report = await runRotationUnderTraffic(TRAFFIC_DEFAULTS);
  console.log(formatReport(report));
  console.log(formatChecks(checkReport(report, TRAFFIC_DEFAULTS)));
}
