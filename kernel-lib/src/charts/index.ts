export * from './sweep.js';
export * from './figures.js';
