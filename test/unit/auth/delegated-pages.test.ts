import { describe, expect, it } from 'vitest';
import { errorPage, escapeHtml, successPage } from '../../../src-main/core/auth/delegated-pages';
import { pageError, parseForms } from '../../../src-main/core/demo/browser';

/** The loopback's success and error pages: every interpolated value escaped, no script. */
const hostile: [string, string][] = [
  ['script tag', '<script>alert(1)</script>'],
  ['attribute breakout', '" onmouseover="alert(1)'],
  ['single-quote breakout', "' onload='alert(1)"],
  ['entity smuggling', '&lt;script&gt;'],
  ['backtick', '`${x}`'],
  ['control characters', 'a\u0000b\u001bc\u007f'],
  ['closing tags', '</p></body><img src=x onerror=alert(1)>'],
  ['unicode', 'Zoë <Ünïcødé> 租户'],
];

describe('escapeHtml', () => {
  it.each(hostile)('%s', (_n, input) => {
    const out = escapeHtml(input);
    expect(out).not.toMatch(/[<>"'`]/);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    // Every & starts an entity this function wrote.
    expect(out.replace(/&(amp|lt|gt|quot|#39|#96|#61);/g, '')).not.toContain('&');
  });

  it('keeps ordinary text readable', () => {
    expect(escapeHtml('contoso.onmicrosoft.com')).toBe('contoso.onmicrosoft.com');
    expect(escapeHtml('a & b')).toBe('a &amp; b');
  });
});

describe('success and error pages', () => {
  it.each(hostile)('%s in profile and tenant stays text', (_n, input) => {
    for (const html of [successPage({ profile: input, tenant: input }), errorPage({ profile: input, tenant: input })]) {
      expect(html).not.toContain(input.includes('<') || input.includes('"') || input.includes("'") ? input : '\u0000never');
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      expect(html).toContain("default-src 'none'");
    }
  });

  it('say what happened and what to do', () => {
    expect(successPage({ profile: 'contoso', tenant: 't' })).toMatch(/Signed in[\s\S]*close this tab/);
    const err = errorPage({ profile: 'contoso', tenant: 't' });
    expect(err).toMatch(/did not complete/);
    expect(err).toMatch(/AADSTS/);
    expect(err).toMatch(/run the sign-in again/);
  });
});

describe('demo browser HTML reading (demo automation)', () => {
  it('reads hidden fields and named buttons, decoding entities', () => {
    const [f] = parseForms(
      '<form method="post" action="/x?a=1&amp;b=2"><input type="hidden" name="session" value="a&quot;b"><input name="otc"><button type="submit" name="decision" value="continue">Go</button><button type="submit" name="decision" value="cancel">No</button></form>',
    );
    expect(f).toEqual({ action: '/x?a=1&b=2', method: 'POST', fields: { session: 'a"b', otc: '' }, buttons: { decision: ['continue', 'cancel'] } });
  });

  it.each([
    ['<p class="error">AADSTS53003: Access has been blocked by Conditional Access policies.</p>', 53003],
    ['<p>AADSTS50126: Error validating credentials due to invalid username or password.</p>', 50126],
    ['<p>all good</p>', undefined],
  ])('pageError(%s)', (html, code) => {
    expect(pageError(html)?.aadsts).toBe(code);
  });
});
