/** deltak's pure core: no Node APIs, runs in the browser too. */
export * from './kpoints.js';
export * from './stats.js';
export * from './meta.js';
export * from './sweep.js';
export * from './convergence.js';
export * from './units.js';
export * from './linalg.js';
export * from './eos.js';
export * from './elastic.js';
export * from './defects.js';
export * from './properties.js';
export * from './sem.js';
export * from './comparison.js';
export * from './recommend.js';
export * from './random.js';
export * from './bootstrap.js';
export * from './tables.js';
