import type { Express, IRouter, Router } from 'express';

/** One route of an Express router: its path pattern and the methods it answers. */
export interface RouteEntry {
  /** As written in the router: `/api/tickets/:id`. */
  path: string;
  /** Upper case; `*` for a route that answers every method (`router.all`). */
  methods: string[];
  /** Does a request path reach this route? (Express's own test: case-insensitive, a trailing slash allowed.) */
  matches(requestPath: string): boolean;
}

/** What Express 4 keeps of a route or a mounted router (not part of its typings). */
interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  regexp: RegExp & { fast_slash?: boolean };
}

function collect(stack: Layer[], into: RouteEntry[]): RouteEntry[] {
  for (const layer of stack) {
    if (layer.route) {
      const { path, methods } = layer.route;
      if (typeof path !== 'string') throw new Error(`routesOf: only string route paths are listed (got ${String(path)})`);
      const verbs = Object.keys(methods).filter((m) => methods[m]);
      const regexp = layer.regexp;
      into.push({
        path,
        // router.all, or app.all('*') (which Express writes as one route per method): every method.
        methods: verbs.includes('_all') || path === '*' ? ['*'] : verbs.map((m) => m.toUpperCase()),
        matches: (requestPath) => regexp.test(requestPath),
      });
    } else if (layer.handle?.stack) {
      // A router mounted with app.use(router): only at the root, where its paths are the full paths.
      if (!layer.regexp.fast_slash) throw new Error('routesOf: a router mounted below / is not listed');
      collect(layer.handle.stack, into);
    }
  }
  return into;
}

/** Every route of these routers, in the order Express tries them. */
export function routesOf(routers: Array<IRouter | Router>): RouteEntry[] {
  return routers.reduce<RouteEntry[]>((all, router) => collect((router as unknown as { stack: Layer[] }).stack, all), []);
}

/** Every route an app answers (its routers mounted at the root included). */
export function routesOfApp(app: Express): RouteEntry[] {
  const router = (app as unknown as { _router?: { stack: Layer[] } })._router;
  return router ? collect(router.stack, []) : [];
}
