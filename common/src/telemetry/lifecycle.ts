/**
 * The SDK (./sdk, loaded only by ./register) hands its shutdown here, so the
 * rest of common can flush spans at graceful shutdown without loading the SDK.
 */
let shutdownHook: (() => Promise<void>) | undefined;

export function onTelemetryStop(hook: () => Promise<void>): void {
  shutdownHook = hook;
}

/** Sends the spans still buffered and stops tracing; a no-op when tracing is off. */
export async function stopTelemetry(): Promise<void> {
  const hook = shutdownHook;
  shutdownHook = undefined;
  await hook?.().catch(() => undefined);
}
