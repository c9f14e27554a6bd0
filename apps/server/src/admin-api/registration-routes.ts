import {
  RegistrationChangeBody,
  RegistrationView,
  RegistrationTokenCreateBody,
  RegistrationTokenCreated,
  RegistrationTokenList,
  RegistrationTokenView,
  SiteportError,
  parseSiteCode,
} from '@siteport/protocol';
import type { RegistrationService } from '../clients/index.js';
import { type AdminRoute, type RouteContext, route } from './admin-route.js';

function site(ctx: Pick<RouteContext, 'params'>): string {
  return parseSiteCode(ctx.params.code, 'site code in the path');
}

/** Admin routes of a site's registration mode and registration tokens (decision 0095). Token secrets are shown once, at creation. */
export function registrationRoutes(registration: RegistrationService): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/sites/{code}/registration',
      summary: "A site's registration mode (open, approve-new, token) and its clients per registration status",
      operationId: 'getRegistration',
      auth: true,
      permission: 'site.read',
      response: RegistrationView,
      handle: (ctx) => registration.view(site(ctx)),
    },
    route({
      method: 'PATCH',
      path: '/sites/{code}/registration',
      summary: "Change a site's registration mode; applies to the next registration at every MP; audited",
      operationId: 'changeRegistration',
      auth: true,
      permission: 'registration.configure',
      requestBody: RegistrationChangeBody,
      response: RegistrationView,
      handle: (ctx) => registration.change(site(ctx), ctx.body, ctx.actor),
    }),
    {
      method: 'GET',
      path: '/sites/{code}/registration/tokens',
      summary: 'Registration tokens created at a site (never their secrets): uses, expiry, state',
      operationId: 'listRegistrationTokens',
      auth: true,
      permission: 'site.read',
      response: RegistrationTokenList,
      handle: (ctx) => registration.tokens(site(ctx)),
    },
    route({
      method: 'POST',
      path: '/sites/{code}/registration/tokens',
      summary:
        'Create a registration token (one-time or N uses, expiry, site-scoped unless anySite); the secret is in this answer only; audited',
      operationId: 'createRegistrationToken',
      auth: true,
      permission: 'registration.configure',
      requestBody: RegistrationTokenCreateBody,
      response: RegistrationTokenCreated,
      handle: (ctx) => {
        const body = ctx.body;
        if (body.anySite === true && ctx.caller.sites !== null) {
          throw new SiteportError(
            'E_FORBIDDEN',
            `${ctx.caller.actor} is limited to sites ${ctx.caller.sites.join(', ')}; a token for any site needs a caller with every site`,
          );
        }
        return registration.createToken(site(ctx), body, ctx.actor);
      },
    }),
    {
      method: 'POST',
      path: '/sites/{code}/registration/tokens/{id}/revoke',
      summary: 'Revoke a registration token at once (kept for history); audited',
      operationId: 'revokeRegistrationToken',
      auth: true,
      permission: 'registration.configure',
      noBody: true,
      response: RegistrationTokenView,
      handle: (ctx) => registration.revokeToken(site(ctx), ctx.params.id ?? '', ctx.actor),
    },
  ];
}
