/**
 * deltak: how coarse may the DFT k-point sampling Δk be for machine-learning-potential
 * training data. Pure analyses come from ./core (browser-safe); display needs the tslab kernel.
 */
export * from './core/index.js';
export * from './display/index.js';
export * from './charts/index.js';
export * from './io/index.js';
