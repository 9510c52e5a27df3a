/**
 * File readers (Node only): DeePMD-kit, dp test, VASP OUTCAR/vasprun.xml, extended XYZ,
 * dpgen autotest, property tables; all configuration readers return the one frames table.
 */
export * from './errors.js';
export * from './frames.js';
export * from './elements.js';
export * from './npy.js';
export * from './dk.js';
export * from './deepmd.js';
export * from './dptest.js';
export * from './outcar.js';
export * from './vasprun.js';
export * from './extxyz.js';
export * from './dpgen.js';
export * from './table.js';
export * from './poscar.js';
export * from './vasptree.js';
