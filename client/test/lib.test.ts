import { formatPrice, parsePriceInput } from '../lib/format';
import { safeRedirect, signinUrl } from '../lib/redirect';

describe('safeRedirect', () => {
  it.each(['/', '/orders', '/orders/abc?x=1#y', '/tickets/new'])('keeps the local path %s', (path) => {
    expect(safeRedirect(path)).toBe(path);
  });

  it.each([
    ['another origin', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/x'],
    ['a backslash trick', '/\\evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'orders'],
    ['control characters', '/orders\n/x'],
    ['the sign-in page itself', '/auth/signin?redirect=/x'],
    ['the sign-out page', '/auth/signout'],
    ['nothing', undefined],
    ['an empty string', ''],
  ])('falls back to / for %s', (_name, target) => {
    expect(safeRedirect(target)).toBe('/');
  });

  it('takes the first of repeated query values', () => {
    expect(safeRedirect(['/orders', '/tickets/new'])).toBe('/orders');
  });
});

describe('signinUrl', () => {
  it('carries the page to come back to, encoded', () => {
    expect(signinUrl('/orders/abc?x=1')).toBe('/auth/signin?redirect=%2Forders%2Fabc%3Fx%3D1');
  });
  it('drops an unsafe target', () => {
    expect(signinUrl('//evil.example')).toBe('/auth/signin');
  });
});

describe('formatPrice', () => {
  it('shows dollars with cents and grouping', () => {
    expect(formatPrice(1250)).toBe('$1,250.00');
    expect(formatPrice(9.99)).toBe('$9.99');
    expect(formatPrice(0.1 + 0.2)).toBe('$0.30');
  });
  it('shows a dash for a missing price', () => {
    expect(formatPrice(Number.NaN)).toBe('—');
  });
});

describe('parsePriceInput', () => {
  it.each([
    ['12.5', 12.5],
    [' 20 ', 20],
    ['$1,250.00', 1250],
    ['.5', 0.5],
    ['-3', -3],
    ['0', 0],
  ])('sends %j as the number %p', (raw, expected) => {
    expect(parsePriceInput(raw)).toBe(expected);
  });

  it.each([['abc'], [''], ['1.2.3']])('leaves %j as text for the API to reject', (raw) => {
    expect(parsePriceInput(raw)).toBe(raw);
  });
});
