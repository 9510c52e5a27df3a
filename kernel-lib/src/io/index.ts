/**
 * File readers (Node only): DeePMD-kit, dp test, VASP OUTCAR/vasprun.xml, extended XYZ,
 * dpgen autotest, property tables; every configuration reader returns the one frames table.
 */
export { ReadError, type ReadErrorWhere } from './errors.js';
export {
  framesTable, concatFrames, FRAMES_UNITS, FRAMES_COLUMNS, FRAMES_CONVENTIONS, EV_PER_A3_IN_GPA, KBAR_IN_EV_PER_A3,
  type Frame, type AtomArray, type FramesTableOptions,
} from './frames.js';
export { ELEMENTS, isElement, elementOfPotcar } from './elements.js';
export { readNpy, readNpyHeader, writeNpy, npyBytes, type NpyArray, type NpyData } from './deepmd/npy.js';
export * from './dk.js';
export * from './deepmd/deepmd.js';
export * from './deepmd/dptest.js';
export * from './vasp/outcar.js';
export * from './vasp/vaspframes.js';
export * from './vasp/vasprun.js';
export * from './vasp/vasptree.js';
export * from './folder.js';
export * from './pattern.js';
export * from './extxyz.js';
export * from './deepmd/dpgen.js';
export * from './table.js';
export * from './vasp/poscar.js';
export * from './vasp/incar.js';
export * from '../symmetry/moyo.js';
export * from './manifest.js';
export * from './dataset.js';
export * from './examples.js';
