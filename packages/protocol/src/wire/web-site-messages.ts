import { type Static, Type } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

/** `POST /api/v1/sites/{code}/web-applications`: an application served on the default web site. */
export const WebApplicationBody = Type.Object(
  {
    name: Type.String({
      maxLength: 64,
      pattern: '^[A-Za-z0-9][\\w .-]{0,63}$',
      description: "1-64 letters, digits, spaces, '.', '_' or '-'",
    }),
    path: Type.String({
      maxLength: 128,
      pattern: '^(/[A-Za-z0-9._~-]+)+$',
      description: 'a path like /reports or /apps/reports (letters, digits, . _ ~ -)',
    }),
    /** Plain-text body the application answers with. @default a JSON page naming the application */
    content: Type.Optional(Type.String({ maxLength: 16384 })),
  },
  { additionalProperties: false },
);
export type WebApplicationBody = Static<typeof WebApplicationBody>;

export const WebApplicationView = Type.Object({
  name: Type.String(),
  path: Type.String(),
  builtIn: Type.Boolean(),
  createdAt: Type.String(),
});
export type WebApplicationView = Static<typeof WebApplicationView>;

const Binding = Type.Object({ protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]), port: Port });

/** `GET /api/v1/sites/{code}/web-sites`: where the default web site and SMSWeb listen, and what they host. */
export const WebSitesView = Type.Object({
  siteCode: Type.String(),
  customWebSite: Type.Boolean(),
  defaultWebSite: Type.Object({
    bindings: Type.Array(Binding),
    hostsManagementPoint: Type.Boolean(),
    applications: Type.Array(WebApplicationView),
  }),
  smsWeb: Type.Union([
    Type.Object({ bindings: Type.Array(Binding), hostsManagementPoint: Type.Literal(true) }),
    Type.Null(),
  ]),
});
export type WebSitesView = Static<typeof WebSitesView>;

/** `PATCH /api/v1/sites/{code}/web-sites/default`: move the default web site (only while the MP is on SMSWeb). */
export const DefaultWebSiteBody = Type.Object(
  { http: Type.Optional(Port), https: Type.Optional(Port) },
  { additionalProperties: false, minProperties: 1 },
);
export type DefaultWebSiteBody = Static<typeof DefaultWebSiteBody>;
