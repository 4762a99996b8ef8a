#!/usr/bin/env -S node --no-memory-reducer --max-semi-space-size=1 --no-maglev --v8-pool-size=1
// The npm bin. It is in the repository, so npm links it even before dist/ is built (the root prepare script
// builds dist/ on install); the CLI itself is compiled from src/bin/latchkey.ts.
import '../dist/bin/latchkey.js';
