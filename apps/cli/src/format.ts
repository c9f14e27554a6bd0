// The CLI's output helpers live in the protocol package, shared with the agent's commands.
export { printErrorLine, printJson, printLines, table } from '@siteport/protocol';
