import { RequestHandler } from 'express';
import { MethodNotAllowedError } from '../errors';
import { RouteEntry } from './routes';

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The methods a path answers (GET brings HEAD, as Express serves it), or null
 * when no route has the path. The resource is the first route pattern the
 * path reaches, as Express tries them (`/api/tickets/mine` before
 * `/api/tickets/:id`): its routes give the methods.
 */
export function allowedMethods(routes: RouteEntry[], path: string): string[] | null {
  const first = routes.find((r) => r.matches(path));
  if (!first) return null;
  const resource = routes.filter((r) => r.path === first.path);
  if (resource.some((r) => r.methods.includes('*'))) return null;
  const methods = new Set(resource.flatMap((r) => r.methods));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/**
 * A known path asked with a method it does not answer: 405 with `Allow` (RFC
 * 9110), ahead of the JSON-only rule, the session and the routes, so that the
 * answer does not depend on what else the request got wrong. OPTIONS is
 * answered here: 204 with `Allow`. A path no route has goes on to the 404.
 */
export function methodNotAllowed(routes: RouteEntry[]): RequestHandler {
  return (req, res, next) => {
    const allowed = allowedMethods(routes, req.path);
    if (!allowed || allowed.includes(req.method)) return next();
    res.set('Allow', allowed.join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    throw new MethodNotAllowedError();
  };
}
