import axios, { AxiosInstance } from 'axios';
import type { IncomingMessage } from 'http';

// axios, as in the original design: one API for both sides, the server (Node
// http, custom Host header) and the browser (XHR, same-origin cookies).
//
// On the server (getServerSideProps) the API is reached through the gateway
// or the ingress at API_INTERNAL_URL, with the visitor's cookie forwarded so
// the services see who is asking. In Kubernetes the ingress routes by host,
// so API_HOST_HEADER (e.g. ticketing.dev) is sent as Host when it is set.
// In the browser the page and the API share one origin: relative /api paths.

const SERVER_TIMEOUT_MS = 10_000;

export function buildClient(req?: Pick<IncomingMessage, 'headers'>): AxiosInstance {
  if (typeof window === 'undefined') {
    const headers: Record<string, string> = {};
    const cookie = req?.headers.cookie;
    if (cookie) headers.cookie = cookie;
    const requestId = req?.headers['x-request-id'];
    if (typeof requestId === 'string') headers['x-request-id'] = requestId;
    const host = process.env.API_HOST_HEADER;
    if (host) headers.Host = host;
    return axios.create({
      baseURL: process.env.API_INTERNAL_URL || 'http://localhost:8080',
      headers,
      timeout: SERVER_TIMEOUT_MS,
      // Never follow a redirect on someone's behalf with their cookie.
      maxRedirects: 0,
    });
  }
  return axios.create();
}
