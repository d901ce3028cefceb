/**
 * Draws the app's Teams icons: color.png (192x192, full colour) and outline.png (32x32, white on
 * transparent), as Teams requires, and the Outlook add-in's ribbon icons (16, 32 and 80 px, which
 * the manifest's `extensions` require, served by the app at /icons/). Deterministic; run
 * `node scripts/generate-icons.ts` after a change.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDIN_ICON_SIZES } from '../bot/http/public-pages.ts';
import { encodePng } from './png.ts';

type Pixel = [number, number, number, number];

function draw(size: number, background: Pixel | undefined, ink: Pixel): Buffer {
  const pixels = new Uint8Array(size * size * 4);
  const set = (x: number, y: number, p: Pixel) => pixels.set(p, (y * size + x) * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (background) set(x, y, background);
  // An envelope: a rectangle and a V from its top corners to its middle, with a line thickness that scales.
  const t = Math.max(1, Math.round(size / 24));
  const [left, right, top, bottom] = [
    Math.round(size * 0.18),
    Math.round(size * 0.82),
    Math.round(size * 0.28),
    Math.round(size * 0.72),
  ];
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) {
      const edge = x - left < t || right - x < t || y - top < t || bottom - y < t;
      const middle = (left + right) / 2;
      const vY = top + ((bottom - top) * 0.55 * (middle - Math.abs(x - middle) - left)) / (middle - left);
      const onV = Math.abs(y - vY) < t;
      if (edge || onV) set(x, y, ink);
    }
  }
  return encodePng(size, size, pixels);
}

const dir = join(import.meta.dirname, '..', 'appPackage');
writeFileSync(join(dir, 'color.png'), draw(192, [0x2b, 0x57, 0x9a, 255], [255, 255, 255, 255]));
writeFileSync(join(dir, 'outline.png'), draw(32, undefined, [255, 255, 255, 255]));
const icons = join(import.meta.dirname, '..', 'bot', 'http', 'pages', 'icons');
for (const size of ADDIN_ICON_SIZES)
  writeFileSync(join(icons, `icon-${size}.png`), draw(size, [0x2b, 0x57, 0x9a, 255], [255, 255, 255, 255]));
console.log('wrote appPackage/color.png, appPackage/outline.png and bot/http/pages/icons/icon-*.png');
