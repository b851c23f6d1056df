/** GET /v1/keys: the public key(s) the service signs reports with, as a JWK set. */
import { Router } from 'express';
import { publicKeyJwks } from '../../report/sign/keys';
import type { AppDeps } from '../deps';
import { PathItems, ref } from '../openapi-parts';

/** The /v1/keys router: the public half of the signing key. */
export function keyRoutes({ signingKey }: Pick<AppDeps, 'signingKey'>): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.type('application/jwk-set+json').send(JSON.stringify(publicKeyJwks(signingKey())));
  });
  return r;
}

/** The OpenAPI path of this route (listed in ./index.ts, assembled by ../openapi.ts). */
export const KEY_PATHS: PathItems = {
  '/v1/keys': { get: { summary: 'Public signing keys (JWK set)', responses: { 200: { description: 'JWK set', content: { 'application/jwk-set+json': { schema: ref('Jwks') } } } } } },
};
