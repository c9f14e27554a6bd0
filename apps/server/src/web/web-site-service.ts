import type { Kysely, SiteDatabase, SiteDatabase as Db, Transaction } from '@siteport/db';
import {
  type ChangeWarning,
  type DefaultWebSiteBody,
  type PortSettings,
  SiteportError,
  type WebApplicationBody,
  type WebApplicationView,
  type WebSitesView,
} from '@siteport/protocol';
import type { AuditRepository, SiteRepository, StoredPorts } from '../site/index.js';
import type { GuardPlan, PortBinder, PortChangeGuard, ServedEndpoint } from '../ports/index.js';
import { CLIENT_INSTALLER, appLabel } from './web-applications.js';
import { checkWebSitePorts, defaultWebSiteOf, planWebSiteChange } from './web-site-change.js';
import { webSiteLayout } from './web-site-layout.js';
import type { WebSiteRepository } from './web-site-repository.js';

/**
 * The default web site and the custom web site SMSWeb of a site: where they listen, which
 * applications the default web site carries, and the web side of every port change.
 */
export class WebSiteService implements PortChangeGuard {
  constructor(
    private readonly deps: {
      db: Kysely<SiteDatabase>;
      sites: SiteRepository;
      /** The endpoints the site's MPs serve (for the old ports still overlapping). */
      served: (siteCode: string) => Promise<ServedEndpoint[]>;
      repo: WebSiteRepository;
      audit: AuditRepository;
      binder: PortBinder;
      /** Brings the listeners and the web host's routing in line after a change made here. */
      reconcile: () => Promise<unknown>;
    },
  ) {}

  /** Application labels of a site's default web site, the built-in installer first. */
  async applicationLabels(siteCode: string): Promise<string[]> {
    return [appLabel(CLIENT_INSTALLER), ...(await this.deps.repo.applications(siteCode)).map(appLabel)];
  }

  /** The guard of every port change: refuses SMSWeb on the default web site's ports and lists what moves. */
  async prepare(siteCode: string, before: PortSettings, after: PortSettings): Promise<GuardPlan> {
    const plan = planWebSiteChange(
      before,
      after,
      await this.deps.repo.defaultWebSite(siteCode),
      await this.applicationLabels(siteCode),
    );
    return { bind: [], warnings: plan.warnings };
  }

  /** In the transaction of every new version: a switch to SMSWeb leaves the default web site where it was. */
  async write(
    trx: Transaction<Db>,
    siteCode: string,
    before: PortSettings,
    after: PortSettings,
    at: string,
  ): Promise<void> {
    const plan = planWebSiteChange(before, after, await this.deps.repo.defaultWebSite(siteCode, trx), []);
    if (plan.store !== undefined) await this.deps.repo.setDefaultWebSite(trx, siteCode, plan.store, at);
  }

  private async stored(siteCode: string): Promise<StoredPorts> {
    const stored = await this.deps.sites.ports(siteCode);
    if (stored === undefined) {
      throw new SiteportError(
        'E_SITE_NOT_FOUND',
        `no site ${siteCode} here; this server has ${(await this.deps.sites.listCodes()).join(', ')}`,
        {
          details: { siteCode },
        },
      );
    }
    return stored;
  }

  async view(siteCode: string): Promise<WebSitesView> {
    const stored = await this.stored(siteCode);
    const overlap = (await this.deps.served(siteCode)).filter((e) => e.role === 'overlap');
    const layout = webSiteLayout(
      stored.settings,
      overlap,
      defaultWebSiteOf(await this.deps.repo.defaultWebSite(siteCode)),
    );
    const registered = await this.deps.repo.applications(siteCode);
    const applications: WebApplicationView[] = [
      { name: CLIENT_INSTALLER.name, path: CLIENT_INSTALLER.path, builtIn: true, createdAt: stored.updatedAt },
      ...registered.map((a) => ({ name: a.name, path: a.path, builtIn: false, createdAt: a.createdAt })),
    ];
    return {
      siteCode,
      customWebSite: layout.customWebSite,
      defaultWebSite: { bindings: layout.defaultWebSite, hostsManagementPoint: !layout.customWebSite, applications },
      smsWeb: layout.smsWeb === null ? null : { bindings: layout.smsWeb, hostsManagementPoint: true },
    };
  }

  async addApplication(siteCode: string, body: WebApplicationBody, actor: string): Promise<WebSitesView> {
    await this.stored(siteCode);
    const existing = await this.deps.repo.applications(siteCode);
    const clash = existing.find((a) => a.name === body.name || a.path === body.path);
    if (clash !== undefined || body.name === CLIENT_INSTALLER.name) {
      throw new SiteportError(
        'E_WEB_APP_CONFLICT',
        `the default web site already has ${appLabel(clash ?? CLIENT_INSTALLER)}; choose another name and path`,
        {
          details: { name: body.name, path: body.path },
        },
      );
    }
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.addApplication(trx, siteCode, {
        name: body.name,
        path: body.path,
        content: body.content ?? null,
        createdAt: at,
      });
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'web-app.add',
        oldValue: null,
        newValue: { name: body.name, path: body.path },
        outcome: 'applied',
      });
    });
    await this.deps.reconcile();
    return this.view(siteCode);
  }

  async removeApplication(siteCode: string, name: string, actor: string): Promise<WebSitesView> {
    await this.stored(siteCode);
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.repo.removeApplication(trx, siteCode, name))) {
        throw new SiteportError(
          'E_NOT_FOUND',
          `the default web site of ${siteCode} has no application named ${JSON.stringify(name)}`,
        );
      }
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'web-app.remove',
        oldValue: { name },
        newValue: null,
        outcome: 'applied',
      });
    });
    await this.deps.reconcile();
    return this.view(siteCode);
  }

  /** Moves the default web site (only while the MP is on SMSWeb); lists the applications that move. */
  async moveDefaultWebSite(
    siteCode: string,
    body: DefaultWebSiteBody,
    actor: string,
  ): Promise<{ webSites: WebSitesView; warnings: ChangeWarning[] }> {
    const stored = await this.stored(siteCode);
    if (!stored.settings.customWebSite) {
      throw new SiteportError(
        'E_VALIDATION',
        `the management point of ${siteCode} is hosted on the default web site, so its ports are the request ports; change them with siteport ports set http=… https=…, or set custom-web-site=true first`,
      );
    }
    const before = defaultWebSiteOf(await this.deps.repo.defaultWebSite(siteCode));
    const after = { http: body.http ?? before.http, https: body.https ?? before.https };
    const apps = await this.applicationLabels(siteCode);
    checkWebSitePorts(stored.settings, after, apps);
    await this.deps.binder.checkBindable(
      [
        { item: 'default web site http', port: after.http },
        { item: 'default web site https', port: after.https },
      ].filter((p) => p.port !== before.http && p.port !== before.https),
    );
    const at = new Date().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.repo.setDefaultWebSite(trx, siteCode, after, at);
      await this.deps.audit.append(trx, {
        at,
        actor,
        siteCode,
        action: 'web-site.move',
        oldValue: before,
        newValue: after,
        outcome: 'applied',
      });
    });
    await this.deps.reconcile();
    const moved = before.http !== after.http || before.https !== after.https;
    return {
      webSites: await this.view(siteCode),
      warnings: moved
        ? [
            {
              code: 'W_WEB_APPS_MOVE',
              message: `The default web site moved from HTTP ${before.http}/HTTPS ${before.https} to HTTP ${after.http}/HTTPS ${after.https}; these applications moved with it and may break for their users: ${apps.join(', ')}.`,
              applications: apps,
            },
          ]
        : [],
    };
  }
}
