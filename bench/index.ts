// `npm run bench`: runs every `bench/*.bench.ts` in turn, each printing its figures side by side.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const bench: { run: () => Promise<void> } = await import(new URL(file, import.meta.url).href);
  await bench.run();
}
