// Preloaded into a `siteport server` (NODE_OPTIONS=--import …) by crash tests: the process kills
// itself with SIGKILL the moment the rollout service announces its first state change, i.e.
// right after the first database transaction of a port change has committed.
import diagnostics from 'node:diagnostics_channel';

diagnostics.subscribe('siteport:rollout:state', () => {
  process.kill(process.pid, 'SIGKILL');
});
