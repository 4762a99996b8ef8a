/**
 * Signals for a running sidecar (`latchkey serve`, `latchkey dev`, the Lambda extension). A module of its own so that
 * the Lambda extension, which starts on every cold start, does not load the CLI's parsing and help texts.
 */
import type { SidecarConfig } from './config/schema.js';
import type { Sidecar } from './sidecar.js';

/** SIGTERM/SIGINT: graceful stop, exit 0 (a second signal exits at once). SIGHUP: reload the configuration `reload`
 * returns, or without it the tokens only. */
export function waitForSignals(
  sidecar: Sidecar,
  reload?: () => SidecarConfig,
  beforeClose?: () => Promise<unknown>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.exit(1);
      }
      stopping = true;
      sidecar.logger.info({ signal }, 'shutting down');
      process.off('SIGHUP', hup);
      void (beforeClose?.() ?? Promise.resolve())
        .then(() => sidecar.close())
        .then(
          () => resolve(0),
          (error: unknown) => {
            sidecar.logger.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    const hup = () => {
      try {
        sidecar.reload(reload?.());
      } catch (error) {
        sidecar.logger.error({ err: error }, 'reload failed; keeping the running configuration');
      }
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', hup);
  });
}
