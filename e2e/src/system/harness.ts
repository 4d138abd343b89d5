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

/** The per-minute limits a crowd of users at one address runs into (the abuse tests cover them), lifted. */
export const RATE_LIMITS_LIFTED = {
  SIGNUP_PER_IP_PER_MINUTE: '100000',
  ORDERS_PER_USER_PER_MINUTE: '100000',
  PAYMENTS_PER_USER_PER_MINUTE: '100000',
};

export const startSystemUnderTest = (
  eventBus: EventBusName,
  expirationWindowSeconds: number,
  options: { tracing?: boolean; client?: boolean; env?: Record<string, string> } = {},
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
    env: options.env,
  });

/** The gateway as a browser on this machine addresses it. */
export const gatewayOrigin = (sys: TestSystem) => `http://localhost:${sys.url.split(':').pop()}`;
