/**
 * Careloop's engine: pure domain logic shared by the bots and the app. No network, no clock (time is
 * always a parameter), no React. Other parts import from here only.
 */
export * from './codes';
export * from './workflow';
export * from './planning';
export * from './policy';
export * from './transitions';
export * from './reply';
export * from './template';
export * from './dispatch';
export * from './cohorts/rules';
export * from './surveys/responses';
