/**
 * Accessibility checks for the browser tests: axe-core run inside the page (the WCAG 2.0–2.2 A and AA rules it can
 * test automatically), what has the keyboard focus, and whether it shows a focus indicator.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's tags for WCAG levels A and AA, every version up to 2.2. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

export interface A11yViolation {
  readonly rule: string;
  readonly impact: string;
  /** The element, as axe's CSS selector. */
  readonly target: string;
  readonly help: string;
  /** What to fix, axe's words (contrast ratio and colours, the missing name, …). */
  readonly summary: string;
}

/**
 * Runs axe-core on the page as it is now; returns the violations of impact `serious` or `critical`, one per element.
 * The served app's policy (`script-src 'self'`) refuses inline scripts, so axe is evaluated through the DevTools
 * protocol (which a page's CSP does not govern) instead of being added as a `<script>` element.
 */
export async function axeViolations(page: Page): Promise<A11yViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(
    async (tags) => {
      const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
      const results: AxeResults = await axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      });
      return results.violations.flatMap((v) =>
        v.nodes
          .filter((n) => (n.impact ?? v.impact) === 'serious' || (n.impact ?? v.impact) === 'critical')
          .map((n) => ({
            rule: v.id,
            impact: String(n.impact ?? v.impact),
            target: n.target.map(String).join(' >>> '),
            help: v.help,
            summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
          })),
      );
    },
    [...WCAG_TAGS],
  );
}

/** One line per violation: where, rule, impact, element, what is wrong. */
export function formatViolations(violations: readonly (A11yViolation & { readonly page: string })[]): string {
  return violations.map((v) => `${v.page}: [${v.rule}, ${v.impact}] ${v.target} — ${v.help}. ${v.summary}`).join('\n');
}

export interface Focused {
  readonly tag: string;
  readonly id: string;
  readonly testId: string | null;
  readonly href: string | null;
  readonly role: string | null;
  /** aria-label, else the visible text (trimmed, shortened). */
  readonly name: string;
  /** Its outline or box shadow as computed, and whether either draws anything. */
  readonly outline: string;
  readonly boxShadow: string;
  readonly indicated: boolean;
}

/** The element that has the keyboard focus (`body` when none has). */
export function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = (document.activeElement ?? document.body) as HTMLElement;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) > 0;
    // A shadow whose every colour is fully transparent draws nothing (Ant Design's resting state of some controls).
    const shadow =
      s.boxShadow !== 'none' && (s.boxShadow.match(/rgba?\([^)]*\)/g) ?? []).some((c) => !/rgba\([^)]*,\s*0\)/.test(c));
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      testId: el.getAttribute('data-testid'),
      href: el.getAttribute('href'),
      role: el.getAttribute('role'),
      name: (el.getAttribute('aria-label') ?? el.innerText ?? '').replace(/\s+/g, ' ').trim().slice(0, 60),
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
      boxShadow: s.boxShadow,
      indicated: outline || shadow,
    };
  });
}

/**
 * Presses Tab until the focused element satisfies `wanted` (at most `max` times); returns every element the focus
 * passed through, the last one being the wanted one. Throws with that list when it is not reached.
 */
export async function tabUntil(page: Page, wanted: (f: Focused) => boolean, max = 40): Promise<Focused[]> {
  const seen: Focused[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    seen.push(f);
    if (wanted(f)) return seen;
  }
  throw new Error(
    `not reached in ${max} Tab presses; the focus went through:\n${seen.map((f) => `  <${f.tag}> ${f.name}`).join('\n')}`,
  );
}
