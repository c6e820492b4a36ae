/** This package's version, for user-agent strings and diagnostics. */
export const VERSION: string =
  typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

declare const __PACKAGE_VERSION__: string | undefined;
