// The system under test of the system suite: see ../support/test-system.ts.
import path from 'path';
import { EventBusName, REPO, startTestSystem, TestSystem } from '../support/test-system';

export type { EventBusName, TestSystem };

export const LOCAL_DIR = process.env.E2E_LOCAL_DIR || path.join(REPO, '.local', 'e2e');

/** Which transports to run: E2E_TRANSPORTS=jetstream narrows it. */
export const TRANSPORTS: EventBusName[] = (process.env.E2E_TRANSPORTS || 'stan,jetstream')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is EventBusName => s === 'stan' || s === 'jetstream');

const INFRA_PORT_OFFSET = Number(process.env.E2E_INFRA_PORT_OFFSET || 10);

/** The system's stripe-mock: what Stripe.js would talk to from the buyer's browser. */
export const STRIPE_MOCK_URL = `http://127.0.0.1:${12111 + INFRA_PORT_OFFSET}`;

export const startSystemUnderTest = (
  eventBus: EventBusName,
  expirationWindowSeconds: number,
  options: { tracing?: boolean; client?: boolean } = {},
): Promise<TestSystem> =>
  startTestSystem({
    name: 'system',
    eventBus,
    expirationWindowSeconds,
    localDir: LOCAL_DIR,
    gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
    portBase: Number(process.env.E2E_PORT_BASE || 13000),
    infraPortOffset: INFRA_PORT_OFFSET,
    // E2E_CLIENT=0: API only (no `next build`).
    client: options.client === false || process.env.E2E_CLIENT === '0' ? false : 'auto',
    tracing: options.tracing,
  });
