// Child process for the crash-consistency test: rewrites client.json forever, alternating two
// versions, until it is killed. Prints "ready" once the first write is done.
import { StateStore } from '../../src/state-store.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: config-rewriter.ts STATE_DIR');
const store = new StateStore(dir);
const base = store.readConfig();
let turn = 0;
for (;;) {
  turn += 1;
  const port = turn % 2 === 0 ? 8080 : 9090;
  // Padding makes each write span several pages so that a torn write would show.
  store.writeConfig({
    ...base,
    ports: { ...base.ports, http: { default: port, alternate: null } },
    managementPoints: Array.from({ length: 400 }, (_, i) => `mp${i}-${port}.example`),
  });
  if (turn === 1) process.stdout.write('ready\n');
}
