/**
 * The Dockerfile's builder stage, carried out without a Docker engine: its COPY and RUN steps in order, in a
 * temporary folder standing for the image's root, from the build context a clean clone gives (the files git tracks,
 * less the .dockerignore patterns). Then every path the final stage copies out of the builder must exist.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { parseDockerfile } from '../support/dockerfile.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));
const imageRoot = mkdtempSync(join(tmpdir(), 'latchkey-image-'));
afterAll(() => rmSync(imageRoot, { recursive: true, force: true }));

/** The build context: tracked files (a clean clone has no others), less what .dockerignore leaves out. */
async function buildContext(): Promise<Set<string>> {
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
  const ignored = readFileSync(`${deploy}Dockerfile.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => pattern.replace(/^\*\*\//, ''));
  return new Set(
    stdout
      .split('\0')
      .filter((file) => file !== '')
      .filter(
        (file) =>
          !file
            .split('/')
            .some(
              (part, index, parts) =>
                ignored.includes(parts.slice(0, index + 1).join('/')) || ignored.includes(part),
            ),
      ),
  );
}

it('builds the bundle the image copies, from a clean clone, with the builder stage as written', async () => {
  const { stages } = parseDockerfile(readFileSync(`${deploy}Dockerfile`, 'utf8'));
  const builder = stages[0]!;
  const context = await buildContext();
  let workdir = '/';
  const inImage = (path: string) => join(imageRoot, path.startsWith('/') ? path : join(workdir, path));
  for (const { keyword, args } of builder.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = args;
      mkdirSync(inImage('.'), { recursive: true });
    } else if (keyword === 'COPY') {
      const [copy] = parseDockerfile(`FROM x\nCOPY ${args}`).stages[0]!.copies;
      expect(copy?.from, args).toBeUndefined();
      for (const source of copy?.sources ?? []) {
        const files = [...context].filter((file) => file === source || file.startsWith(`${source}/`));
        expect(files, `COPY ${source}: not in a clean clone`).not.toEqual([]);
        const destination = copy?.destination ?? '';
        for (const file of files) {
          // Docker's rules: a file goes into a destination ending in `/`, or becomes it; a folder's contents go
          // into the destination.
          const target =
            file !== source
              ? join(inImage(destination), file.slice(source.length + 1))
              : destination.endsWith('/')
                ? join(inImage(destination), basename(file))
                : inImage(destination);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(repo, file), target);
        }
      }
    } else if (keyword === 'RUN') {
      // npm's cache stands in for the registry where it can; the command is the Dockerfile's own.
      await run('sh', ['-c', args], {
        cwd: inImage('.'),
        env: { ...process.env, npm_config_prefer_offline: 'true' },
        timeout: 400_000,
        maxBuffer: 64 * 1024 * 1024,
      });
    }
  }
  const copiedOut = stages.at(-1)!.copies.filter((copy) => copy.from === 'build');
  expect(copiedOut).not.toEqual([]);
  for (const copy of copiedOut) {
    for (const source of copy.sources) expect(statSync(join(imageRoot, source)).isFile(), source).toBe(true);
  }
}, 600_000);
