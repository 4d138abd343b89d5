import http from 'http';
import type { AddressInfo } from 'net';
import { buildClient } from '../api/build-client';
import { splitErrors, toFailure } from '../api/errors';

/** A real HTTP server standing in for the gateway; records what it was sent. */
function fakeApi(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  return new Promise<{ url: string; seen: http.IncomingMessage[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('buildClient on the server', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('calls API_INTERNAL_URL with the visitor cookie and no Host override by default', async () => {
    const api = await fakeApi((_req, res) => json(res, 200, { currentUser: null }));
    process.env.API_INTERNAL_URL = api.url;
    delete process.env.API_HOST_HEADER;
    try {
      await buildClient({ headers: { cookie: 'session=abc' } }).get('/api/users/currentuser');
      expect(api.seen[0].url).toBe('/api/users/currentuser');
      expect(api.seen[0].headers.cookie).toBe('session=abc');
      expect(api.seen[0].headers.host).toBe(new URL(api.url).host);
    } finally {
      await api.close();
    }
  });

  it('sends Host: API_HOST_HEADER when it is set (ingress routing)', async () => {
    const api = await fakeApi((_req, res) => json(res, 200, []));
    process.env.API_INTERNAL_URL = api.url;
    process.env.API_HOST_HEADER = 'ticketing.dev';
    try {
      await buildClient({ headers: {} }).get('/api/tickets');
      expect(api.seen[0].headers.host).toBe('ticketing.dev');
      expect(api.seen[0].headers.cookie).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});

describe('toFailure', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  beforeAll(async () => {
    api = await fakeApi((req, res) => {
      if (req.url === '/validation')
        return json(res, 400, { errors: [{ message: 'Email must be valid', field: 'email' }, { message: 'Email in use' }] });
      if (req.url === '/html') {
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<h1>Bad gateway</h1>');
      }
      return json(res, 404, { errors: [{ message: 'Not Found' }] });
    });
    process.env.API_INTERNAL_URL = api.url;
  });
  afterAll(() => api.close());

  const fail = async (path: string) => {
    try {
      await buildClient().get(path);
    } catch (err) {
      return toFailure(err);
    }
    throw new Error('expected the request to fail');
  };

  it('keeps the API error body as it is', async () => {
    expect(await fail('/validation')).toEqual({
      status: 400,
      errors: [{ message: 'Email must be valid', field: 'email' }, { message: 'Email in use' }],
    });
    expect(await fail('/missing')).toEqual({ status: 404, errors: [{ message: 'Not Found' }] });
  });

  it('turns a body not in the error shape into a message with the status', async () => {
    expect(await fail('/html')).toEqual({
      status: 502,
      errors: [{ message: 'Request failed (HTTP 502). Please try again.' }],
    });
  });

  it('says so when the API cannot be reached', async () => {
    process.env.API_INTERNAL_URL = 'http://127.0.0.1:9';
    const failure = await fail('/anything');
    process.env.API_INTERNAL_URL = api.url;
    expect(failure.status).toBe(0);
    expect(failure.errors[0].message).toMatch(/Could not reach the server/);
  });

  it('keeps the message of any other error', () => {
    expect(toFailure(new Error('boom'))).toEqual({ status: 0, errors: [{ message: 'boom' }] });
  });
});

describe('splitErrors', () => {
  it('puts errors of the form fields beside them and the rest in the alert', () => {
    const { byField, general } = splitErrors(
      [
        { message: 'Title is required', field: 'title' },
        { message: 'TicketId must be provided', field: 'ticketId' },
        { message: 'Ticket is already reserved' },
      ],
      ['title', 'price'],
    );
    expect(byField).toEqual({ title: ['Title is required'] });
    expect(general).toEqual([{ message: 'TicketId must be provided', field: 'ticketId' }, { message: 'Ticket is already reserved' }]);
  });
});
