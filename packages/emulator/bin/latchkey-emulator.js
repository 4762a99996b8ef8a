#!/usr/bin/env node
// The npm bin. It is in the repository, so npm links it even before dist/ is built (the root prepare script
// builds dist/ on install); the CLI itself is compiled from src/bin/latchkey-emulator.ts.
import '../dist/bin/latchkey-emulator.js';
