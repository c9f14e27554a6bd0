import { Fragment, type ReactNode } from 'react';

const TAG = /<(\w+)\/>|<(\w+)>(.*?)<\/\2>/g;

/**
 * A translated sentence with elements inside it: `<name/>` is replaced by `parts.name`, and
 * `<name>text</name>` by `parts.name(text)`. Nothing is parsed as HTML, so a translation cannot
 * inject markup, and values with `<` in them stay text.
 */
export function RichText({
  text,
  parts,
}: {
  text: string;
  parts: Record<string, ReactNode | ((inner: string) => ReactNode)>;
}) {
  const nodes: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(TAG)) {
    nodes.push(text.slice(at, match.index));
    const name = match[1] ?? match[2] ?? '';
    const part = parts[name];
    nodes.push(
      <Fragment key={match.index}>{typeof part === 'function' ? part(match[3] ?? '') : (part ?? match[0])}</Fragment>,
    );
    at = match.index + match[0].length;
  }
  nodes.push(text.slice(at));
  return <>{nodes}</>;
}
