import { existsSync } from 'node:fs';
import { GlobalFonts } from '@napi-rs/canvas';

/** Font families the plots ask for, first found wins (Debian: fonts-dejavu-core). */
export const PLOT_FONT_FAMILIES = [
  'DejaVu Sans',
  'Liberation Sans',
  'Lato',
  'Noto Sans',
  'Arial',
  'Helvetica',
];

const FALLBACK_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

let checked: string | null | undefined;

/**
 * The font family plots will use, or null when the system has none of them (then text on
 * plots is not drawn; install a font such as Debian's fonts-dejavu-core).
 */
export function plotFontFamily(): string | null {
  if (checked !== undefined) return checked;
  const find = () => {
    const families = new Set(GlobalFonts.families.map((f) => f.family));
    return PLOT_FONT_FAMILIES.find((f) => families.has(f)) ?? null;
  };
  checked = find();
  if (checked === null) {
    for (const file of FALLBACK_FILES) if (existsSync(file)) GlobalFonts.registerFromPath(file);
    checked = find();
  }
  return checked;
}
