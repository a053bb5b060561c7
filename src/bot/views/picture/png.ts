import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { isActive } from '../../../domain/phases.js';
import type { Project } from '../../../domain/project.js';
import { buildTimeline } from '../../../domain/timeline.js';
import { PICTURE_FONT_FAMILY, runPictureSvg } from './svg.js';

/**
 * Rasterises the run picture with resvg (its binary ships in its npm package). The font ships too (Inter,
 * OFL, from @expo-google-fonts/inter): system fonts are never read, so the picture is the same everywhere.
 */

const require = createRequire(import.meta.url);

export const PICTURE_FONT_FILES: readonly string[] = [
  require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
  require.resolve('@expo-google-fonts/inter/500Medium/Inter_500Medium.ttf'),
  require.resolve('@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf'),
  require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'),
];

/** Pixels per SVG unit: twice the layout, sharp on high-density screens. */
export const PICTURE_SCALE = 2;

export interface RunPicture {
  png: Buffer;
  width: number;
  height: number;
}

export function svgToPng(svg: string): RunPicture {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [...PICTURE_FONT_FILES],
      defaultFontFamily: PICTURE_FONT_FAMILY,
      sansSerifFamily: PICTURE_FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: PICTURE_SCALE },
    background: '#ffffff',
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** The picture of the run as it stands at `now` (a running project's open bars end there). */
export function renderRunPicture(project: Project, now: number): RunPicture {
  const timeline = buildTimeline(project, now);
  const ongoing = isActive(project.phase);
  return svgToPng(runPictureSvg(timeline, ongoing ? now : undefined).svg);
}
