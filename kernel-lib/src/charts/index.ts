export * from './sweep.js';
export * from './figures.js';
export * from './budget.js';
