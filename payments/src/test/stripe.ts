import Stripe from 'stripe';
import { createStripe } from '../data/stripe';

/** stripe-mock (scripts/infra.sh start stripe); with-infra.js exports STRIPE_API_BASE. */
export const STRIPE_MOCK_BASE = process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:12111';
export const TEST_STRIPE_KEY = 'sk_test_ticketingPayments';

/** One request the SDK made, as it went over the wire. */
export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: URLSearchParams;
  host: string;
  port: string;
  protocol: string;
  headers: Record<string, string>;
  /** The form-encoded body, decoded. */
  params: URLSearchParams;
  /** The status the SDK got back. */
  status?: number;
}

interface Script {
  method: string;
  path: string | RegExp;
  times: number;
  /** Answer instead of Stripe (stripe-mock never sees the request). */
  answer?: { status: number; body: unknown };
  /** Runs after the request reached Stripe and before the SDK gets the response. */
  during?: (request: RecordedRequest) => Promise<void>;
}

/** See TestHttpClient.intercept. */
export type Interceptor = (request: RecordedRequest) => Promise<{ status: number; body: unknown } | undefined>;

/** A response the test writes, in the form the SDK reads. */
class JsonResponse extends Stripe.HttpClientResponse {
  constructor(
    status: number,
    private readonly body: unknown,
  ) {
    super(status, { 'content-type': 'application/json', 'request-id': 'req_scripted' });
  }

  // The SDK hangs its lastResponse (status, request id) on this object; without one it throws
  // outside its promise chain on a 2xx and the call never settles.
  override getRawResponse(): unknown {
    return {};
  }

  override toStream(): unknown {
    throw new Error('scripted responses are not streams');
  }

  override toJSON(): Promise<unknown> {
    return Promise.resolve(JSON.parse(JSON.stringify(this.body)));
  }
}

/**
 * The SDK's HTTP client boundary, for tests: every request goes to
 * stripe-mock through the SDK's own Node client and is recorded (headers
 * included: the Idempotency-Key is read back from here), unless a script
 * answers it instead (a decline, a Stripe outage: what stripe-mock cannot do)
 * or runs something while it is in flight.
 */
export class TestHttpClient implements Stripe.HttpClient {
  readonly requests: RecordedRequest[] = [];
  private readonly real = Stripe.createNodeHttpClient();
  private scripts: Script[] = [];
  private interceptor?: Interceptor;

  getClientName(): string {
    return 'ticketing-test';
  }

  /** The next `times` matching requests get this status and JSON body. */
  answer(method: string, path: string | RegExp, status: number, body: unknown, times = 1): this {
    this.scripts.push({ method, path, times, answer: { status, body } });
    return this;
  }

  /**
   * Runs fn while the next matching request is in flight (after Stripe, or
   * a scripted answer, answered; before the SDK sees it).
   */
  during(method: string, path: string | RegExp, fn: (request: RecordedRequest) => Promise<void>): this {
    this.scripts.push({ method, path, times: 1, during: fn });
    return this;
  }

  /**
   * Runs fn on every request before it goes out (property tests: a scheduler
   * point, and the answer the generated history wants). A body it resolves
   * with is the answer; undefined lets the scripts and stripe-mock answer.
   */
  intercept(fn: Interceptor | undefined): this {
    this.interceptor = fn;
    return this;
  }

  /** Recorded requests to one endpoint. */
  to(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(path, r.path));
  }

  reset(): void {
    this.requests.length = 0;
    this.scripts = [];
    this.interceptor = undefined;
  }

  async makeRequest(
    host: string,
    port: string,
    path: string,
    method: string,
    headers: Record<string, string | number | string[]>,
    requestData: string,
    protocol: string,
    timeout: number,
  ): Promise<Stripe.HttpClientResponse> {
    const [pathname, query = ''] = path.split('?');
    const request: RecordedRequest = {
      method,
      path: pathname,
      query: new URLSearchParams(query),
      host,
      port: String(port),
      protocol,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
      params: new URLSearchParams(requestData ?? ''),
    };
    this.requests.push(request);
    const intercepted = this.interceptor ? await this.interceptor(request) : undefined;
    if (intercepted) {
      request.status = intercepted.status;
      return new JsonResponse(intercepted.status, intercepted.body);
    }
    // An answer and a `during` for the same request are independent scripts: both apply.
    const answer = this.take(method, pathname, (s) => !!s.answer)?.answer;
    const during = this.take(method, pathname, (s) => !!s.during)?.during;
    let response: Stripe.HttpClientResponse;
    if (answer) {
      response = new JsonResponse(answer.status, answer.body);
    } else {
      response = await this.real.makeRequest(host, port, path, method, headers, requestData, protocol, timeout);
    }
    request.status = response.getStatusCode();
    if (during) await during(request);
    return response;
  }

  /** Consumes one use of the first script of a kind that matches the request. */
  private take(method: string, pathname: string, kind: (s: Script) => boolean): Script | undefined {
    const script = this.scripts.find((s) => s.times > 0 && kind(s) && s.method === method && matches(s.path, pathname));
    if (script) script.times -= 1;
    return script;
  }
}

const matches = (pattern: string | RegExp, path: string) => (typeof pattern === 'string' ? pattern === path : pattern.test(path));

/** A Stripe client of the production factory, pointed at stripe-mock, over a TestHttpClient. */
export function testStripe(options: { maxNetworkRetries?: number } = {}): { stripe: Stripe; http: TestHttpClient } {
  const http = new TestHttpClient();
  const stripe = createStripe(
    { STRIPE_KEY: TEST_STRIPE_KEY, STRIPE_API_BASE: STRIPE_MOCK_BASE },
    // No SDK retries unless a test is about them: a scripted 500 is answered once.
    { httpClient: http, maxNetworkRetries: options.maxNetworkRetries ?? 0 },
  );
  return { stripe, http };
}

/** Fails the test file early, with the fix, when stripe-mock is not running. */
export function requireStripeMock(): void {
  beforeAll(async () => {
    try {
      const res = await fetch(`${STRIPE_MOCK_BASE}/v1/charges?limit=1`, {
        headers: { Authorization: `Bearer ${TEST_STRIPE_KEY}` },
        signal: AbortSignal.timeout(3000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      throw new Error(
        `stripe-mock is not reachable at ${STRIPE_MOCK_BASE} (${String(err)}): start it with \`bash scripts/infra.sh start stripe\``,
        { cause: err },
      );
    }
  });
}

/**
 * The body Stripe sends with a 402 when the issuer declines the card a
 * PaymentIntent is confirmed with: the error carries the PaymentIntent, back
 * to `requires_payment_method`, and its charge.
 */
export const cardDeclined = (message = 'Your card was declined.', declineCode = 'generic_decline') => ({
  error: {
    type: 'card_error',
    code: 'card_declined',
    decline_code: declineCode,
    message,
    charge: `ch_declined${Math.random().toString(36).slice(2, 12)}`,
    payment_intent: {
      id: `pi_declined${Math.random().toString(36).slice(2, 12)}`,
      object: 'payment_intent',
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: declineCode, message },
    },
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    request_log_url: 'https://dashboard.stripe.com/test/logs/req_scripted',
  },
});

export const invalidRequest = (message: string, extra: { code?: string; param?: string } = {}) => ({
  error: { type: 'invalid_request_error', message, ...extra },
});

export const apiError = (message = 'An unknown error occurred') => ({ error: { type: 'api_error', message } });
