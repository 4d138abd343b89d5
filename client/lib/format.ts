// Prices are dollars (numbers with at most two decimals, docs/contract.md). A fixed
// locale keeps the server's HTML and the browser's first render identical.
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatPrice(price: number): string {
  return typeof price === 'number' && Number.isFinite(price) ? usd.format(price) : '—';
}

/**
 * What a price box holds, as the API should get it: a number when the text
 * is one, otherwise the text itself so the API's validation names the
 * problem ("Price must be greater than 0") instead of the browser hiding it.
 */
export function parsePriceInput(raw: string): number | string {
  const text = raw.trim().replace(/^\$/, '').replace(/,/g, '');
  if (/^-?(\d+(\.\d*)?|\.\d+)$/.test(text)) return Number(text);
  return raw.trim();
}
