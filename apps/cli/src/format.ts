// The CLI's output helpers live in the protocol package, shared with the agent's commands.
export { displayLine, printErrorLine, printJson, printLines, table } from '@siteport/protocol';
