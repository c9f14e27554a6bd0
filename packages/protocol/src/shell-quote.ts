/** Words a POSIX shell takes literally without quotes. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one word for a POSIX shell (sh, bash, zsh) in single-quote style: a word of only safe
 * characters stays as it is, anything else is wrapped in `'…'` with each `'` written as `'\''`.
 * Every command siteport prints or returns for copy-paste quotes each of its words with this,
 * so a value from a client or the database can never add a command, a redirection or a comment.
 */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line of words, each quoted with {@link shellQuote}. */
export function shellCommand(...words: readonly (string | number)[]): string {
  return words.map((word) => shellQuote(String(word))).join(' ');
}
