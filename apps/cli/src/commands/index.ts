import type { Command } from 'commander';
import {
  registerAgent as agent,
  registerClient as clientStatus,
  registerPortswitch as portswitch,
  registerSetup as setup,
} from '@siteport/agent/cli';
import { register as server } from './server.js';
import { register as ports } from './ports.js';
import { register as demo } from './demo.js';
import { register as rollout } from './rollout.js';
import { register as collection } from './collection.js';
import { register as push } from './push.js';
import { register as directory } from './directory.js';
import { register as audit } from './audit.js';
import { register as notify } from './notify.js';
import { register as wake } from './wake.js';
import { register as consoleAccounts } from './console.js';
import { register as token } from './token.js';
import { register as mp } from './mp.js';
import { register as db } from './db.js';
import { register as backup } from './backup.js';
import { register as registration } from './registration.js';
import { register as clients } from './clients.js';
import { register as cert } from './cert.js';
import { register as gateway } from './gateway.js';
import { register as upgrade } from './upgrade.js';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command) => void;

/** Every `siteport` command, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  demo,
  server,
  ports,
  rollout,
  collection,
  setup,
  agent,
  portswitch,
  clientStatus,
  registration,
  clients,
  push,
  directory,
  audit,
  notify,
  wake,
  consoleAccounts,
  token,
  db,
  backup,
  mp,
  cert,
  gateway,
  upgrade,
];
