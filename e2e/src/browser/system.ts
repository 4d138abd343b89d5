// The system under test of the browser suite: see ../support/test-system.ts.
import path from 'path';
import { EventBusName, REPO, startTestSystem, TestSystem } from '../support/test-system';

export { REPO };
export type BrowserTestSystem = TestSystem;

export const EVENT_BUS = process.env.E2E_BROWSER_EVENT_BUS || 'stan';
export const START_TIMEOUT_MS = 15 * 60 * 1000; // a first `next build` on a busy 2-core machine

export const startBrowserTestSystem = (opts: { eventBus: string; expirationWindowSeconds: number; tracing?: boolean }): Promise<TestSystem> =>
  startTestSystem({
    name: 'browser',
    eventBus: opts.eventBus as EventBusName,
    expirationWindowSeconds: opts.expirationWindowSeconds,
    localDir: process.env.E2E_BROWSER_LOCAL_DIR || path.join(REPO, '.local', 'e2e-browser'),
    gatewayPort: Number(process.env.E2E_BROWSER_GATEWAY_PORT || 28080),
    portBase: Number(process.env.E2E_BROWSER_PORT_BASE || 23000),
    infraPortOffset: Number(process.env.E2E_BROWSER_INFRA_PORT_OFFSET || 40),
    client: true,
    tracing: opts.tracing,
  });
