/**
 * The `@odata.nextLink` of a collection page, read from the first bytes of its body.
 *
 * Graph writes a page's annotations before its items ("Paging Microsoft Graph data in your app",
 * learn.microsoft.com/graph/paging: `{"@odata.context": ..., "@odata.nextLink": ..., "value": [...]}`),
 * so the next page can be requested while the rest of this one is still arriving and being parsed:
 * a page chain then costs one round trip a page, not a round trip plus the download and parse.
 *
 * Only the top-level properties before `value` are read, each a string, number, boolean or null;
 * anything else (an object, an array, `value` first, malformed text) ends the reading with no link.
 * The link found here is a hint: the page's full parse stays authoritative, and the session
 * drops a request started from a hint that the parsed page does not confirm.
 */
export type PageHead = { done: false } | { done: true; link?: string };

const WS = /[ \t\r\n]/;

/** Reads the head of `text` (the body so far, UTF-8 decoded). `done: false` asks for more bytes. */
export function nextLinkFromHead(text: string): PageHead {
  let i = 0;
  const n = text.length;
  const skip = (): void => {
    while (i < n && WS.test(text[i] as string)) i++;
  };
  /** A JSON string starting at i (a quote); returns its value, undefined when cut off, null when malformed. */
  const str = (): string | undefined | null => {
    let j = i + 1;
    while (j < n) {
      const c = text[j];
      if (c === '\\') j += 2;
      else if (c === '"') break;
      else j++;
    }
    if (j >= n) return undefined;
    try {
      const v: unknown = JSON.parse(text.slice(i, j + 1));
      i = j + 1;
      return typeof v === 'string' ? v : null;
    } catch {
      return null;
    }
  };
  skip();
  if (i >= n) return { done: false };
  if (text[i] !== '{') return { done: true };
  i++;
  for (;;) {
    skip();
    if (i >= n) return { done: false };
    if (text[i] !== '"') return { done: true };
    const key = str();
    if (key === undefined) return { done: false };
    if (key === null || key === 'value') return { done: true };
    skip();
    if (i >= n) return { done: false };
    if (text[i] !== ':') return { done: true };
    i++;
    skip();
    if (i >= n) return { done: false };
    if (text[i] === '"') {
      const v = str();
      if (v === undefined) return { done: false };
      if (v === null) return { done: true };
      if (key === '@odata.nextLink') return { done: true, link: v };
    } else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      // A scalar is complete only once a delimiter follows it.
      if (!m || i + m[0].length >= n) return m && i + m[0].length >= n ? { done: false } : { done: true };
      i += m[0].length;
    }
    skip();
    if (i >= n) return { done: false };
    if (text[i] === ',') {
      i++;
      continue;
    }
    return { done: true };
  }
}
