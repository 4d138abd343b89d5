import http from 'http';
import type { AddressInfo } from 'net';
import type { GetServerSidePropsContext } from 'next';
import { fetchData, withSession } from '../lib/session';

// getServerSideProps against a real HTTP server playing the gateway.
let server: http.Server;
let signedIn = true;
const seenCookies: (string | undefined)[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenCookies.push(req.headers.cookie);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/users/currentuser') {
      res.end(JSON.stringify({ currentUser: signedIn ? { id: 'u1', email: 'a@b.co', iat: 1 } : null }));
    } else if (req.url === '/api/orders/missing') {
      res.statusCode = 404;
      res.end(JSON.stringify({ errors: [{ message: 'Not Found' }] }));
    } else {
      res.end(JSON.stringify([{ id: 'o1' }]));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.API_INTERNAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((done) => server.close(done)));

function context(resolvedUrl: string) {
  return {
    req: { headers: { cookie: 'session=xyz' } },
    res: { statusCode: 200 },
    query: {},
    params: {},
    resolvedUrl,
  } as unknown as GetServerSidePropsContext;
}

const loadOrders = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get('/api/orders'));
  return { orders: data, loadError: failure };
});

describe('withSession', () => {
  it('sends a signed-out visitor to sign in, with the way back', async () => {
    signedIn = false;
    const result = await loadOrders(context('/orders?x=1'));
    expect(result).toEqual({
      redirect: { destination: '/auth/signin?redirect=%2Forders%3Fx%3D1', permanent: false },
    });
  });

  it('gives the page its data and the current user, read with the visitor cookie', async () => {
    signedIn = true;
    seenCookies.length = 0;
    const result = await loadOrders(context('/orders'));
    expect(result).toEqual({
      props: {
        orders: [{ id: 'o1' }],
        loadError: null,
        currentUser: { id: 'u1', email: 'a@b.co', iat: 1 },
        sessionErrors: null,
      },
    });
    expect(seenCookies).toEqual(['session=xyz', 'session=xyz']);
  });

  it('shows an API error on the page and answers with its status', async () => {
    signedIn = true;
    const ctx = context('/orders/missing');
    const getProps = withSession({ requireAuth: true }, async ({ client }) => {
      const { data, failure } = await fetchData(client.get('/api/orders/missing'));
      return { order: data, loadError: failure };
    });
    const result = await getProps(ctx);
    expect(result).toMatchObject({ props: { order: null, loadError: { status: 404, errors: [{ message: 'Not Found' }] } } });
    expect(ctx.res.statusCode).toBe(404);
  });

  it('does not send anyone to sign in when the session cannot be read; it says why', async () => {
    const saved = process.env.API_INTERNAL_URL;
    process.env.API_INTERNAL_URL = 'http://127.0.0.1:9';
    try {
      const ctx = context('/orders');
      const result = await loadOrders(ctx);
      expect(result).toMatchObject({
        props: { currentUser: null, sessionErrors: [{ message: expect.stringMatching(/Could not reach/) }] },
      });
      expect(ctx.res.statusCode).toBe(502);
    } finally {
      process.env.API_INTERNAL_URL = saved;
    }
  });
});
