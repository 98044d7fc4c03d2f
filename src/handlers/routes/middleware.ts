import type { Env, MiddlewareHandler } from 'hono'

/**
 * What hono/factory's createMiddleware does: nothing but give a handler its
 * type. Imported from there it also loads the full Hono class and its three
 * routers (twelve files, about a quarter of a cold import) into an app that
 * runs on hono/tiny.
 */
export function middleware<E extends Env = any>(handler: MiddlewareHandler<E>): MiddlewareHandler<E> {
  return handler
}
