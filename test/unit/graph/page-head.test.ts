// The nextLink of a page read from the first bytes of its body ("Paging Microsoft Graph data in
// your app", learn.microsoft.com/graph/paging: the annotations come before `value`).
import { describe, expect, it } from 'vitest';
import { nextLinkFromHead } from '../../../src-main/core/graph/page-head';

const link = 'https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAACA6\\u0026x';
const page = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","@odata.count":100000,"@odata.nextLink":"${link}","value":[{"id":"1"}]}`;

describe('nextLinkFromHead', () => {
  it('finds the link before value, unescaped as JSON.parse does, at every cut of the body', () => {
    const want = (JSON.parse(page) as { '@odata.nextLink': string })['@odata.nextLink'];
    // The link is known once its closing quote has arrived.
    const known = page.indexOf(',"value"');
    for (let cut = 0; cut <= page.length; cut++) {
      expect(nextLinkFromHead(page.slice(0, cut)), `cut ${cut}`).toEqual(cut >= known ? { done: true, link: want } : { done: false });
    }
  });

  it('gives no link for a last page, a link after value, or a head it cannot read', () => {
    expect(nextLinkFromHead('{"@odata.context":"x","value":[]}')).toEqual({ done: true });
    expect(nextLinkFromHead(`{"value":[],"@odata.nextLink":"${link}"}`)).toEqual({ done: true });
    expect(nextLinkFromHead(`{"@odata.x":{"a":1},"@odata.nextLink":"${link}","value":[]}`)).toEqual({ done: true });
    expect(nextLinkFromHead(`[{"@odata.nextLink":"${link}"}]`)).toEqual({ done: true });
    expect(nextLinkFromHead('{"@odata.nextLink":42,"value":[]}')).toEqual({ done: true });
    expect(nextLinkFromHead('{"a" 1}')).toEqual({ done: true });
    expect(nextLinkFromHead('{"@odata.count":12')).toEqual({ done: false });
    expect(nextLinkFromHead('  \n')).toEqual({ done: false });
  });
});
