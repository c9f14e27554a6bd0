import { Type } from '@sinclair/typebox';
import { CreateTokenBody, CreatedToken, TokenView, checkCreateToken } from '@siteport/protocol';
import { type AdminRoute, route } from './admin-route.js';
import type { ApiTokens } from '../tokens/index.js';

/** Admin routes of API tokens (decision 0094): administrators with every site only, every change audited. */
export function tokenRoutes(tokens: ApiTokens): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/tokens',
      summary: 'API tokens with role, site scope, expiry and state (never their secrets)',
      operationId: 'listTokens',
      auth: true,
      permission: 'accounts.manage',
      response: Type.Object({ tokens: Type.Array(TokenView) }),
      handle: async () => ({ tokens: await tokens.list() }),
    },
    route({
      method: 'POST',
      path: '/tokens',
      summary: 'Create an API token; the answer carries its secret, shown this once; audited',
      operationId: 'createToken',
      auth: true,
      permission: 'accounts.manage',
      requestBody: CreateTokenBody,
      response: CreatedToken,
      handle: (ctx) => tokens.create(checkCreateToken(ctx.body, new Date()), ctx.actor),
    }),
    {
      method: 'DELETE',
      path: '/tokens/{token}',
      summary: 'Revoke an API token by id or name; it is refused from the next request on; audited',
      operationId: 'revokeToken',
      auth: true,
      permission: 'accounts.manage',
      response: TokenView,
      handle: (ctx) => tokens.revoke(ctx.params.token ?? '', ctx.actor),
    },
    {
      method: 'POST',
      path: '/tokens/bootstrap/rotate',
      summary: 'Replace the bootstrap token in <data dir>/admin-token; the old one is refused at once; audited',
      operationId: 'rotateBootstrapToken',
      auth: true,
      permission: 'accounts.manage',
      noBody: true,
      response: Type.Object({ file: Type.String() }),
      handle: (ctx) => tokens.rotateBootstrap(ctx.actor),
    },
  ];
}
