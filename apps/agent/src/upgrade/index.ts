/** Agent upgrades: package checks before unpacking, side-by-side install, the launcher that can go back. */
export { AgentUpgrader, type UpgradeChannel } from './agent-upgrader.js';
export { createAgentUpgrader, upgradeChannel } from './agent-upgrade-wiring.js';
export {
  AgentLauncher,
  LAUNCHER_ENV,
  type LauncherOptions,
  type LauncherState,
  RESTART_EXIT_CODE,
} from './launcher.js';
export { type PackageExpectation, parsePackageSignature, releaseKeyId, verifyPackage } from './package-verify.js';
export { type PackageEntry, type UntarLimits, readPackageEntries, writeEntries } from './safe-untar.js';
export { POINTER_FILE, type RollbackRecord, type VersionPointer, VersionPointerStore } from './version-pointer.js';
