// Rewrites the README's generated tables from the settings table (after `tsc -b`): npm run readme -w @latchkey/sidecar
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeWithTables } from '../dist/config/reference.js';

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, readmeWithTables(readFileSync(file, 'utf8')));
