/**
 * The manner of a breach as the PPC form asks it (事態の態様): 漏えい (leak),
 * 滅失 (loss) or 毀損 (damage), one or more (法第26条第1項).
 */
import type { Problem } from '../../errors.ts';

/** One manner of a breach. */
export type BreachManner = 'leak' | 'loss' | 'damage';

/** Every manner, in the order the form lists them. */
export const BREACH_MANNERS: readonly BreachManner[] = ['leak', 'loss', 'damage'];

/** Japanese label of each manner. */
export const MANNER_LABELS: Readonly<Record<BreachManner, string>> = {
  leak: '漏えい',
  loss: '滅失',
  damage: '毀損',
};

const ALIASES: Readonly<Record<string, BreachManner>> = {
  leak: 'leak',
  loss: 'loss',
  damage: 'damage',
  漏えい: 'leak',
  漏洩: 'leak',
  滅失: 'loss',
  毀損: 'damage',
};

/**
 * The manners named by `values` (each may be a comma list; English or
 * Japanese), in form order without repeats, and a problem at `path` for
 * each value that names none.
 * @example
 * parseManners(['leak,loss']) // { manners: ['leak', 'loss'], problems: [] }
 */
export function parseManners(
  values: readonly string[],
  path = '--manner',
): { manners: BreachManner[]; problems: Problem[] } {
  const found = new Set<BreachManner>();
  const problems: Problem[] = [];
  for (const part of values.flatMap((v) => v.split(/[,、]/))) {
    const word = part.trim();
    const manner = Object.hasOwn(ALIASES, word) ? ALIASES[word] : undefined;
    if (manner === undefined) {
      problems.push({
        path,
        message: `${JSON.stringify(word.slice(0, 40))} is not one of ${BREACH_MANNERS.join(', ')} (漏えい, 滅失, 毀損)`,
      });
    } else {
      found.add(manner);
    }
  }
  return { manners: BREACH_MANNERS.filter((m) => found.has(m)), problems };
}
