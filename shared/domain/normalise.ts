/**
 * Normalisation before detection: people (and forms) write numbers with
 * full-width digits (１２３４), full-width or typographic dashes (－ ‐ ‑ ‒ – —
 * ― −), the katakana long-sound mark (ー) as a hyphen, and dots, slashes or
 * spaces (also the ideographic space) between digit groups. Detectors of My
 * Numbers, phone numbers and e-mail addresses look at the normalised text,
 * so each spelling is caught by one rule. The text is only looked at, never
 * stored in normalised form.
 */

/**
 * Every character read as a hyphen after NFKC: the ASCII hyphen-minus, the
 * Unicode dashes U+2010–U+2015, the minus sign U+2212, the small and
 * full-width hyphen-minus. Wave dashes (〜) are left alone: between numbers
 * they mean a range.
 */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/**
 * The katakana long-sound mark (ー; NFKC makes the half-width ｰ one) typed as
 * a hyphen: only between digits, so words such as アレルギー keep it.
 */
const LONG_SOUND_AS_HYPHEN = /(?<=\d *)\u30FC(?= *\d)/g;

/**
 * NFKC (full-width digits and letters to ASCII, the ideographic space to a
 * space, ＠ to @), then every run of white space to one space, every
 * dash-like character to `-`, and ー between digits to `-`. Lengths change: do not use offsets of the result
 * on the input.
 *
 * @example normaliseText('１１１２－２２３３ー３４４６') === '1112-2233-3446'
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/g, ' ')
    .replace(DASHES, '-')
    .replace(LONG_SOUND_AS_HYPHEN, '-');
}

/**
 * The digits of `text` with the separators people type between groups
 * removed; other characters are kept, so `12a4` stays `12a4`.
 *
 * @example digitsOnly('1234 5678.9018') === '123456789018'
 */
export function digitsOnly(text: string): string {
  return normaliseText(text).replace(/[-./ ]/g, '');
}

/** A run of digit groups joined by one kind of separator, as people write numbers. */
export interface DigitRun {
  /** The digits, separators removed. */
  readonly digits: string;
  /** The run as it stands in the normalised text. */
  readonly text: string;
  /**
   * True when no letter, digit, `_` or `:` touches the run: it stands as a
   * number of its own, not inside a hash, an ARN or a word.
   */
  readonly standalone: boolean;
}

const ATTACHED = /[A-Za-z0-9_:]/;

/**
 * The digit runs of a text, after {@link normaliseText}: each chain of digit
 * groups joined by one and the same separator (`1234-5678-9018`,
 * `1234 5678 9018`, `1234.5678.9018`), taken whole, so a card number's
 * first twelve digits are not read as a twelve-digit number. Where the
 * separator changes (`2024/01/02 1234 5678 9018`, a date before a number),
 * the group in between belongs to both sides, and each side is also taken
 * without it. A run of more than 19 digits is not a number people write.
 */
export function digitRuns(text: string): DigitRun[] {
  const normal = normaliseText(text);
  const runs: DigitRun[] = [];
  for (const m of normal.matchAll(/\d+(?:[-./ ]\d+)*/g)) {
    const chain = m[0];
    const start = m.index;
    const attached = (at: number) => ATTACHED.test(normal[at] ?? '');
    const groups = chain.split(/[-./ ]/);
    const seps = chain.match(/[-./ ]/g) ?? [];
    const emit = (from: number, to: number) => {
      if (from > to) {
        return;
      }
      const digits = groups.slice(from, to + 1).join('');
      if (digits.length > 19) {
        return;
      }
      runs.push({
        digits,
        text: groups.slice(from, to + 1).join(seps[from] ?? ''),
        standalone:
          (from > 0 || !attached(start - 1)) &&
          (to < groups.length - 1 || !attached(start + chain.length)),
      });
    };
    if (seps.length === 0) {
      emit(0, 0);
      continue;
    }
    // Segments: maximal stretches of groups joined by the same separator;
    // the group where the separator changes ends one and starts the next.
    for (let from = 0; from < seps.length; ) {
      let to = from + 1;
      while (to < seps.length && seps[to] === seps[from]) {
        to += 1;
      }
      const sharedStart = from > 0;
      const sharedEnd = to < groups.length - 1;
      emit(from, to);
      if (sharedStart) emit(from + 1, to);
      if (sharedEnd) emit(from, to - 1);
      if (sharedStart && sharedEnd) emit(from + 1, to - 1);
      from = to;
    }
  }
  return runs;
}
