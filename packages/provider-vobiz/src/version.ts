/** This package's version, for the user agent. */
export const VERSION: string =
  typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

declare const __PACKAGE_VERSION__: string | undefined;
