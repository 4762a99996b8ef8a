// Fleet benchmark (`npm run bench -- fleet`): 10,000 pods with 20 secrets each on a virtual clock, against
// Secrets Manager's request-rate quotas (the emulator's token buckets), through Latchkey (real SecretsCache
// instances: half with the SDK's defaults, half with the sidecar's) and models of the AWS Secrets Manager Agent and
// Powertools Parameters. Prints the README's "Running a fleet" tables. Where fewer pods are simulated than the
// fleet, quotas are scaled down by the same factor and counts multiplied back (as `--quota-scale` does).

import { agentModel, latchkey, type Policy, powertoolsModel } from './fleet/policies.js';
import { incidentTable, steadyTable } from './fleet/report.js';
import { INCIDENTS, incidents, type ScenarioResult, steady } from './fleet/scenarios.js';

/** Pods simulated per client for the incidents, and for the 24-hour steady state (calls scale linearly there). */
const RUNS: readonly { policy: Policy; incidents: number; steady: number }[] = [
  { policy: latchkey, incidents: 10_000, steady: 50 },
  // The models are samples, to keep the run within two minutes; their figures are scaled to 10,000 pods.
  { policy: agentModel, incidents: 2_000, steady: 50 },
  { policy: powertoolsModel, incidents: 500, steady: 10 },
];

export async function run(): Promise<void> {
  const started = performance.now();
  const steadyResults: ScenarioResult[] = [];
  const incidentResults: ScenarioResult[] = [];
  for (const { policy, incidents: pods, steady: steadyPods } of RUNS) {
    const t = performance.now();
    steadyResults.push(await steady(policy, { clients: steadyPods }));
    incidentResults.push(...(await incidents(policy, { clients: pods })));
    console.log(`${policy.name}: simulated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const byScenario = INCIDENTS.flatMap(({ name }) => incidentResults.filter((r) => r.scenario === name));
  console.log('\nSteady state, 24 simulated hours (10,000 pods × 20 secrets; peak = busiest minute):\n');
  console.log(steadyTable(steadyResults));
  console.log('\nIncidents on a warm fleet of 10,000 pods × 20 secrets (peak = busiest second):\n');
  console.log(incidentTable(byScenario));
  const cpu = process.cpuUsage();
  console.log(
    `\nfleet simulation: ${((performance.now() - started) / 1000).toFixed(1)} s in all, ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU (the wall time grows with the machine's other load)`,
  );
}
