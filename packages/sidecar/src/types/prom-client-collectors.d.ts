/** prom-client's default collectors, one CommonJS module each (the package has no exports map). Each registers its
 * metrics on the registry it is given. */
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';

  function register(
    registry: Registry,
    config: { prefix?: string; eventLoopMonitoringPrecision?: number },
  ): void;
  export = register;
}
