/**
 * The agent script inside an unpacked package folder (`versions/<version>/`): the same name the
 * offline bundle builder gives it, so a bundle is installed as it is built.
 */
export const BUNDLE_AGENT_SCRIPT = 'siteport-agent.mjs';
