/**
 * HTML character references, decoded as the forge page shows them: `&#8203;` is a zero-width
 * space on the page (so it is removed with the other invisible characters after decoding), and
 * `&lt;!-- x --&gt;` is the visible text `<!-- x -->` — a reference never makes markup, so what
 * it spells is kept, as text. Numeric references are decoded with or without their `;` (a
 * browser takes both); named ones from a short table — the ones that spell invisible or
 * direction-changing characters, and the few everyone writes. Others stay as written.
 */

const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00A0',
  shy: '\u00AD',
  zwnj: '\u200C',
  zwj: '\u200D',
  lrm: '\u200E',
  rlm: '\u200F',
  ZeroWidthSpace: '\u200B',
  NegativeVeryThinSpace: '\u200B',
  NegativeThinSpace: '\u200B',
  NegativeMediumSpace: '\u200B',
  NegativeThickSpace: '\u200B',
  NoBreak: '\u2060',
  af: '\u2061',
  ApplyFunction: '\u2061',
  it: '\u2062',
  InvisibleTimes: '\u2062',
  ic: '\u2063',
  InvisibleComma: '\u2063',
  Tab: '\t',
  NewLine: '\n',
};

const REFERENCE = /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,7});?|([A-Za-z][A-Za-z0-9]{1,31});)/g;

export function decodeEntities(text: string): string {
  return text.replace(
    REFERENCE,
    (reference: string, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (decimal !== undefined) return fromCodePoint(Number.parseInt(decimal, 10));
      if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16));
      return (name !== undefined && Object.hasOwn(NAMED, name) ? NAMED[name] : undefined) ?? reference;
    },
  );
}

/** A browser shows U+FFFD for a reference to nothing (0, a surrogate, beyond U+10FFFF). */
function fromCodePoint(value: number): string {
  if (value === 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return '\uFFFD';
  return String.fromCodePoint(value);
}
