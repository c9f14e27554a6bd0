import { SiteportError, parseSetupProperties, splitSetupProperties } from '@siteport/protocol';

/**
 * The client installation properties a site publishes: derived from its current settings —
 * SMSSITECODE, SMSMP, CCMHTTPPORT, CCMHTTPSPORT, SMSCAFINGERPRINT — then the administrator's own
 * properties, which win by name. The result must pass the same validation `siteport setup` runs;
 * otherwise E_DIRECTORY_CONFIG names the property.
 */
export function publishedProperties(
  derived: { siteCode: string; managementPoint: string; httpPort: number; httpsPort: number; caFingerprint: string },
  extra: readonly string[],
): string[] {
  const byName = new Map<string, string>([
    ['SMSSITECODE', derived.siteCode],
    ['SMSMP', derived.managementPoint],
    ['CCMHTTPPORT', String(derived.httpPort)],
    ['CCMHTTPSPORT', String(derived.httpsPort)],
    ['SMSCAFINGERPRINT', derived.caFingerprint],
  ]);
  try {
    for (const [name, value] of splitSetupProperties(extra)) {
      // Whoever reads the directory would read it: a registration token is handed to one setup only.
      if (name === 'SMSREGTOKEN')
        throw new SiteportError(
          'E_DIRECTORY_CONFIG',
          'SMSREGTOKEN is a secret and is not published to the directory; pass it to setup or let push installation add it',
        );
      byName.set(name, value);
    }
    const words = [...byName].map(([name, value]) => `${name}=${value}`);
    parseSetupProperties(splitSetupProperties(words));
    return words;
  } catch (error) {
    throw new SiteportError('E_DIRECTORY_CONFIG', `installProperties: ${(error as Error).message}`, {
      cause: error,
      details: { field: 'installProperties' },
    });
  }
}
