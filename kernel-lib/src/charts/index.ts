export * from './theme.js';
export * from './sweep.js';
export * from './figures.js';
export * from './budget.js';
export * from './format.js';
export * from './version.js';
