// What every page of the browser suite is checked for: axe-core's WCAG 2.0/2.1
// A and AA rules (zero violations; axe is injected through the debugging
// protocol, so the page's Content-Security-Policy stays intact), nothing wider
// than the screen, and a full-page picture, at desktop and at phone width.
import fs from 'fs';
import type { Page } from 'playwright-core';
import type { Camera } from './browser';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type Widths = Record<string, { width: number; height: number }>;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** What the functions run inside the page use (e2e's tsconfig has no DOM types). */
interface BrowserGlobals {
  axe?: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

/** axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as BrowserGlobals).axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const g = globalThis as unknown as BrowserGlobals;
    const result = await g.axe!.run(g.document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}

/**
 * At each width: no axe violation, nothing wider than the screen, and a
 * full-page picture `<nn>-<prefix>-<what>-<width>.png`; then back to the first width.
 */
export async function checkPage(page: Page, camera: Camera, prefix: string, what: string, widths: Widths): Promise<void> {
  for (const [label, size] of Object.entries(widths)) {
    await page.setViewportSize(size);
    const violations = await axeViolations(page);
    const report = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`);
    expect({ page: `${what} at ${label} width`, violations: report }).toEqual({ page: `${what} at ${label} width`, violations: [] });
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as unknown as BrowserGlobals).document;
      return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
    });
    expect({ page: `${what} at ${label} width`, overflowPx: overflow }).toEqual({ page: `${what} at ${label} width`, overflowPx: 0 });
    await camera.shoot(page, `${prefix}-${what}-${label}`);
  }
  await page.setViewportSize(Object.values(widths)[0]);
}
