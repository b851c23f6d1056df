/**
 * The express application, built from its dependencies (started by ./start.ts; tests build it
 * with in-memory parts). The endpoint groups come from the route table (./routes/index.ts): this
 * file mounts each behind the middleware its `auth` names, the open groups first. Routes are thin:
 * they parse, call the use cases (src/jobs), and render.
 */
import express, { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { NotFoundError } from '../errors/http';
import type { AppDeps } from './deps';
import { requireApiKey } from './middleware/auth';
import { perAddressRateLimit, perKeyRateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { openApiDocument } from './openapi';
import { errorHandler } from './problem';
import { ROUTES, RouteAuth } from './routes';

export type { AppDeps } from './deps';

/** Builds the app. */
export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.use(requestContext(d.logger, d.metrics.observeRequest));
  // the probes (/healthz, /readyz, /metrics) are not limited: orchestrators poll them
  const anonymous = perAddressRateLimit(d.unauthenticatedRateLimitPerMinute ?? 60);

  // one instance of each: the per-key limit is one budget across every group behind the key
  const chains: Record<RouteAuth, RequestHandler[]> = {
    none: [],
    anonymous: [anonymous],
    apiKey: [requireApiKey(d.store, anonymous), perKeyRateLimit(d.rateLimitPerMinute)],
  };
  const mount = (auth: RouteAuth) => {
    for (const g of ROUTES.filter((r) => r.auth === auth)) app.use(g.mount, ...chains[auth], g.routes(d));
  };

  mount('none');
  const openapi = openApiDocument();
  app.get('/openapi.json', anonymous, (_req, res) => { res.json(openapi); });
  mount('anonymous');
  mount('apiKey');

  app.use((req, res, next) => { if (res.locals.principal) next(); else void anonymous(req, res, next); });
  app.use((req, _res, next) => next(new NotFoundError(`no route ${req.method} ${req.path}; the API is described at /openapi.json`)));
  app.use(errorHandler(d.logger));
  return app;
}

