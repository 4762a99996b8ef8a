// The Lambda layer's entry point (bundled to latchkey-extension.cjs; /opt/extensions/latchkey starts it).
import { runLambdaExtension } from '../extension/lambda-extension.js';

// No top-level await: the bundle is CommonJS (scripts/bundle.mjs says why).
void runLambdaExtension().then((code) => {
  process.exitCode = code;
  // Nothing left (kept-alive sockets, timers) may hold the process past Lambda's shutdown deadline.
  process.exit();
});
