const CHUNK = /(\d+)|(\D+)/g;

/**
 * Compares two names in natural order, the same on every machine: runs of digits compare as numbers
 * (`cat.2.jpg` before `cat.10.jpg`), everything else by UTF-16 code unit after NFC normalisation
 * (no locale rules), and exact ties fall back to plain code-unit order so the result is total.
 */
export function naturalCompare(a: string, b: string): number {
  const na = a.normalize('NFC');
  const nb = b.normalize('NFC');
  const ca = na.match(CHUNK) ?? [];
  const cb = nb.match(CHUNK) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i];
    const y = cb[i];
    const xDigits = isDigits(x);
    const yDigits = isDigits(y);
    let c: number;
    if (xDigits && yDigits) c = compareDigits(x, y);
    else c = compareCodePoints(x, y);
    if (c !== 0) return c;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return compareCodePoints(na, nb) || compareCodePoints(a, b);
}

function isDigits(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

function compareDigits(x: string, y: string): number {
  const tx = x.replace(/^0+(?=\d)/, '');
  const ty = y.replace(/^0+(?=\d)/, '');
  if (tx.length !== ty.length) return tx.length - ty.length;
  return tx < ty ? -1 : tx > ty ? 1 : 0;
}

function compareCodePoints(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
