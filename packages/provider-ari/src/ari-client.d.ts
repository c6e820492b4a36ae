// The part of ari-client (CommonJS, no bundled types) this package uses.
declare module 'ari-client' {
  interface AriClient {
    on(event: string, listener: (...args: any[]) => void): void;
    removeAllListeners(event?: string): void;
    start(apps: string | string[], subscribeAll?: boolean): Promise<void>;
    stop(): void;
    channels: Record<string, (params: Record<string, unknown>) => Promise<any>>;
    bridges: Record<string, (params: Record<string, unknown>) => Promise<any>>;
    applications: Record<string, (params: Record<string, unknown>) => Promise<any>>;
    asterisk: Record<string, (params: Record<string, unknown>) => Promise<any>>;
  }
  function connect(url: string, user: string, password: string): Promise<AriClient>;

  export { type AriClient, connect };
}
