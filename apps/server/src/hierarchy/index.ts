export { HierarchyRepository } from './hierarchy-repository.js';
export { HierarchyService } from './hierarchy-service.js';
export { inheritedOverlap, InheritedPorts } from './inherited-ports.js';
export { ParentLinkToken } from './parent-link-token.js';
export { ParentLink } from './parent-link.js';
export { type ParentOptions, readParentTarget } from './parent-target.js';
export { checkPeerUrl } from './peer-client.js';
export { PeerTokens } from './peer-tokens.js';
export { ensureSecondarySite, type SecondaryStart } from './secondary-bootstrap.js';
