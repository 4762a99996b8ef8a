#!/usr/bin/env -S node --no-memory-reducer
import { main } from '../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
// Serve and dev wait for their own shutdown; anything left (timers, sockets) must not keep the process alive.
process.exit();
