/**
 * The database clients of examples/ (curl, Python, Java, Go, Node), run as a user runs them against the sidecar
 * while their secrets rotate: PostgreSQL with password checks and MariaDB, single user and alternating users. Each
 * language runs where its Debian toolchain is installed; under CI every one must be (.ci/install-example-toolchains).
 * `npm run e2e` runs the same with 10 rotations per case.
 */
import { describe, expect, it } from 'vitest';
import {
  ExampleProcess,
  LANGUAGES,
  type Language,
  missingToolchain,
  prepareExamples,
} from '../../../e2e/traffic/example-clients.js';
import {
  checkExamples,
  formatExamples,
  runExamplesUnderRotation,
} from '../../../e2e/traffic/examples-run.js';
import { mariadbAvailable } from '../../support/services.js';

const installed: Language[] = [];
for (const language of LANGUAGES) {
  const missing = await missingToolchain(language);
  if (missing === undefined) installed.push(language);
  else if (process.env.CI === 'true')
    throw new Error(`CI runs every example: ${missing} (.ci/install-example-toolchains installs them)`);
  else console.warn(`skipping the ${language} example: ${missing}`);
}
const databases = await mariadbAvailable();

describe.skipIf(installed.length === 0)('client examples', () => {
  it.skipIf(!databases)(
    'keep querying through 3 rotations per database and strategy with zero failed queries',
    async () => {
      const report = await runExamplesUnderRotation({
        rotations: 3,
        rotateEveryMs: 1_000,
        queryIntervalMs: 100,
        languages: installed,
      });
      console.log(formatExamples(report));
      expect(checkExamples(report)).toEqual([]);
      expect(report.cases).toHaveLength(installed.length * 4);
      for (const c of report.cases) {
        // The rotations did refuse the credentials they held, and the pattern recovered each time.
        expect(c.retries, `${c.language} ${c.engine}/${c.strategy}`).toBeGreaterThan(0);
        expect(c.failures).toEqual([]);
      }
    },
    240_000,
  );

  it('wait for the sidecar at start-up, bounded, then say where they looked', async () => {
    const commands = await prepareExamples(installed);
    try {
      const url = 'http://127.0.0.1:9'; // discard: nothing answers HTTP there
      const runs = installed.map((language) => {
        const example = new ExampleProcess(commands.command(language), {
          SECRETS_URL: url,
          AWS_TOKEN: 'token',
          DB_SECRET_ID: 'examples/db',
          SIDECAR_WAIT_SECONDS: '1',
        });
        return example.exited.then((code) => ({ language, code, output: example.lines.join('\n') }));
      });
      for (const { language, code, output } of await Promise.all(runs)) {
        expect({ language, code }).toEqual({ language, code: 1 });
        expect(output).toContain(`the sidecar at ${url} did not answer within 1 s`);
      }
    } finally {
      await commands.close();
    }
  }, 120_000);
});
