/** Careloop's Mantine theme: the default, with colours dark enough for WCAG AA text contrast. */
import { createTheme } from '@mantine/core';

/** The app's theme. */
export const careloopTheme = createTheme({
  primaryColor: 'teal',
  primaryShade: 8,
  fontSizes: { xs: '0.8rem' },
});
