/**
 * The route table: one entry per endpoint group, each describing only paths under its mount, and
 * the OpenAPI security requirement agrees with the authentication the group is mounted behind.
 */
import { AUTH } from '../openapi-parts';
import { ROUTES } from './index';

/** Whether `path` (an OpenAPI path) lies under the mount point `mount`. */
const under = (mount: string, path: string) => mount === '/' || path === mount || path.startsWith(`${mount}/`);

describe('ROUTES', () => {
  it('when read, then each mount point appears once, except the root', () => {
    const mounts = ROUTES.map((g) => g.mount).filter((m) => m !== '/');
    expect(new Set(mounts).size).toBe(mounts.length);
  });

  it('when read, then every group describes at least one path and only paths under its mount', () => {
    for (const g of ROUTES) {
      expect(Object.keys(g.paths).length).toBeGreaterThan(0);
      expect(Object.keys(g.paths).filter((p) => !under(g.mount, p))).toEqual([]);
    }
  });

  it('when a group is mounted behind the API key, then every operation it documents requires it, and no other operation does', () => {
    for (const g of ROUTES) {
      for (const [path, item] of Object.entries(g.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const security = (op as { security?: unknown }).security;
          expect({ group: g.mount, op: `${method.toUpperCase()} ${path}`, security }).toEqual({ group: g.mount, op: `${method.toUpperCase()} ${path}`, security: g.auth === 'apiKey' ? AUTH : undefined });
        }
      }
    }
  });
});
