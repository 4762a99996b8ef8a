export const SIDECAR_VERSION = '0.1.0';
