/** Runs axe-core on a rendered container and returns the serious and critical violations. */
import axe from 'axe-core';

/** Serious or critical accessibility violations in `container` (contrast is not computable in jsdom). */
export async function seriousViolations(container: Element): Promise<string[]> {
  const results = await axe.run(container, {
    rules: { 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
