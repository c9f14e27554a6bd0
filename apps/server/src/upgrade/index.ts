/** Agent upgrades: release key, signed packages, upgrade rollouts in waves (decision 0111). */
export { signAgentPackage, releaseKeyFingerprint } from './package-signing.js';
export { type AgentUpgrade, type StoredPackage } from './upgrade-repository.js';
export {
  DEFAULT_CANARY_PERCENT,
  DEFAULT_FAILURE_THRESHOLD_PERCENT,
  type StartUpgrade,
  type UpgradeProgress,
  UpgradeService,
} from './upgrade-service.js';
export { type UpgradeState, type UpgradeWave } from './upgrade-state.js';
export { UpgradeHint } from './upgrade-hint.js';
