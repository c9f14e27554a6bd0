/** Agent upgrades: release key, signed packages, upgrade rollouts in waves (decision 0111). */
export { signAgentPackage, releaseKeyFingerprint } from './package-signing.js';
export { type StoredPackage } from './upgrade-repository.js';
export { type UpgradeProgress, UpgradeService } from './upgrade-service.js';
export { UpgradeHint } from './upgrade-hint.js';
