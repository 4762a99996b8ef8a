// The Lambda layer's entry point (bundled to latchkey-extension.mjs; /opt/extensions/latchkey starts it).
import { runLambdaExtension } from '../extension/lambda-extension.js';

process.exitCode = await runLambdaExtension();
// Nothing left (kept-alive sockets, timers) may hold the process past Lambda's shutdown deadline.
process.exit();
