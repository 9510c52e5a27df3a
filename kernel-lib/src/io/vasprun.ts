/**
 * VASP vasprun.xml, read streaming (SAX-style, bounded memory; eigenvalues, DOS and projections
 * are skipped unparsed): every ionic step's cell, positions, species, free energy, energy(σ→0),
 * forces and stress, with the INCAR settings and the k-point mesh.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import type { ColumnTable } from 'arquero';
import { ReadError, looksBinary, parseNumbers } from './errors.js';
import { FrameStore, volumeOf, KBAR_IN_EV_PER_A3 } from './frames.js';
import { isElement } from './elements.js';
import type { DkOptions } from './dk.js';
import { streamXml, attr } from './xmlstream.js';
import { buildVaspFrames, type VaspSettings } from './outcar.js';

/** Options of {@link readVasprun}. */
export interface ReadVasprunOptions extends DkOptions {
  /** A file that ends inside a calculation (a killed run): error (default) or keep the finished steps. */
  truncated?: 'error' | 'drop';
}

/** Subtrees never needed here: skipped without tokenizing. */
const SKIP = new Set(['eigenvalues', 'dos', 'projected', 'eigenvalues_kpoints_opt', 'projected_kpoints_opt', 'dielectricfunction', 'partial', 'dynmat', 'born_charges', 'electronic_structure']);

interface Calc {
  basis: number[];
  positions: number[];
  forces: number[] | null;
  stress: number[] | null;
  eFr: number | null;
  scFr: number | null;
  scE0: number | null;
  scsteps: number;
  hasStructure: boolean;
}

/**
 * Read every ionic step (<calculation>) of a vasprun.xml into a frames table (units Å, eV, eV/Å,
 * virial eV as dpdata converts the kBar stress: W = stress · V). `energy` is the step's
 * e_fr_energy; `energy_sigma0` is e_0_energy of the last SCF step (VASP 5 writes a wrong
 * e_0_energy at the calculation level). Species come from the per-atom list, so an atomtypes
 * table that lists one element twice is merged. KSPACING counts only when set in <incar>
 * (the <parameters> section always lists a default).
 */
export function readVasprun(path: string, options: ReadVasprunOptions = {}): ColumnTable {
  const size = statSync(path).size;
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected a vasprun.xml');
  {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (looksBinary(head)) throw new ReadError(path, { line: 1 }, 'binary data where XML was expected');
    if (!head.toString('latin1').includes('<modeling')) throw new ReadError(path, { line: 1 }, 'no <modeling> root element: not a vasprun.xml');
  }
  const st: VaspSettings = {
    version: null, kspacing: null, ismear: null, sigma: null, encut: null, pstress: null, nelm: null,
    nwrite: null, ibrion: null, isif: null, kmesh: null, kmeshSource: null, nkpts: null, species: [], ionsPerType: [],
  };
  const param: Record<string, number> = {};
  const stack: string[] = [];
  const names: (string | null)[] = [];
  let textBuf = '';
  let collecting = false;
  let symbols: string[] = [];
  let atomRowCol = -1;
  let kgenParam: string | null = null;
  let nkptList = 0;
  let calc: Calc | null = null;
  let closedModeling = false;
  let calcIndex = 0;
  let store: FrameStore | null = null;
  const nFrames = (): number => (store ? store.length : 0);
  const skipped: { step: number; reason: string }[] = [];
  const tmp: number[] = new Array(8);

  const fail = (msg: string, frame?: number, array?: string): never => {
    throw new ReadError(path, { frame, array }, msg);
  };

  const finishCalc = (): void => {
    const c = calc!;
    const step = calcIndex;
    calc = null;
    const nat = symbols.length;
    if (!c.hasStructure || c.basis.length !== 9 || c.positions.length !== 3 * nat) {
      skipped.push({ step, reason: 'no complete <structure> in this <calculation>' });
      return;
    }
    if (!c.forces) {
      skipped.push({ step, reason: 'no forces in this <calculation>' });
      return;
    }
    if (c.forces.length !== 3 * nat) fail(`forces has ${c.forces.length / 3} rows for ${nat} atoms`, nFrames(), 'forces');
    const cell = Float64Array.from(c.basis);
    const pos = new Float64Array(3 * nat);
    for (let a = 0; a < nat; a++) {
      const f0 = c.positions[3 * a], f1 = c.positions[3 * a + 1], f2 = c.positions[3 * a + 2];
      for (let k = 0; k < 3; k++) pos[3 * a + k] = f0 * cell[k] + f1 * cell[3 + k] + f2 * cell[6 + k];
    }
    let virial: Float64Array | null = null;
    if (c.stress) {
      if (c.stress.length !== 9) fail(`stress has ${c.stress.length} components, expected 9`, nFrames(), 'stress');
      const f = volumeOf(cell) * KBAR_IN_EV_PER_A3;
      virial = Float64Array.from(c.stress, (x) => x * f);
    }
    const energy = c.eFr ?? c.scFr;
    if (energy === null) fail('no e_fr_energy in this <calculation>', nFrames(), 'energy');
    const nelm = param['incar:NELM'] ?? param.NELM ?? null;
    if (!store) store = new FrameStore(symbols);
    store.add({
      cell,
      positions: pos,
      forces: c.forces,
      virial,
      energy,
      energySigma0: c.scE0,
      tags: { step, scf_iterations: c.scsteps, scf_converged: nelm === null ? null : c.scsteps < nelm },
    });
  };

  let result: { bytes: number; depth: number };
  /** Numbers of every <v> in text[start, end) appended to arr. */
  const vRows = (t: string, start: number, end: number, arr: number[], label: string): number => {
    let k = t.indexOf('<v', start);
    let rowsRead = 0;
    while (k >= 0 && k < end) {
      const c = t.charCodeAt(k + 2);
      if (c !== 62 /* > */ && c !== 32 && c !== 9) {
        k = t.indexOf('<v', k + 2);
        continue;
      }
      const gt = t.indexOf('>', k);
      const close = t.indexOf('</v>', gt);
      if (gt < 0 || close < 0 || close > end) break;
      const n = parseNumbers(t, gt + 1, close, tmp);
      for (let q = 0; q < n; q++) {
        if (!Number.isFinite(tmp[q])) fail(`not a finite number in <varray name="${label}">: ${JSON.stringify(t.slice(gt + 1, close).trim())}`, nFrames(), label);
        arr.push(tmp[q]);
      }
      rowsRead++;
      k = t.indexOf('<v', close + 4);
    }
    return rowsRead;
  };
  /** The value of <i name="key"> (last one) in text[start, end), or null. */
  const iValue = (t: string, start: number, end: number, key: string): number | null => {
    const k = t.lastIndexOf(`name="${key}"`, end);
    if (k < start) return null;
    const gt = t.indexOf('>', k);
    const lt = t.indexOf('<', gt);
    const v = Number(t.slice(gt + 1, lt));
    if (!Number.isFinite(v)) fail(`not a finite number in <i name="${key}">: ${JSON.stringify(t.slice(gt + 1, lt).trim())}`, nFrames(), key);
    return v;
  };
  /** Inner range of <varray name="key"> within text[start, end). */
  const varrayRange = (t: string, start: number, end: number, key: string): [number, number] | null => {
    const k = t.indexOf(`<varray name="${key}"`, start);
    if (k < 0 || k >= end) return null;
    const close = t.indexOf('</varray>', k);
    return close < 0 || close > end ? null : [k, close];
  };
  try {
    result = streamXml(path, {
      rawTags: new Set(['scstep', 'structure', 'varray', 'energy']),
      raw(name, attrs, t, start, end) {
        const parent = stack.length ? stack[stack.length - 1] : '';
        if (name === 'scstep') {
          if (!calc) return;
          calc.scsteps++;
          const fr = iValue(t, start, end, 'e_fr_energy');
          const e0 = iValue(t, start, end, 'e_0_energy');
          if (fr !== null) calc.scFr = fr;
          if (e0 !== null) calc.scE0 = e0;
        } else if (name === 'structure') {
          if (!calc) return;
          calc.hasStructure = true;
          calc.basis = [];
          calc.positions = [];
          const b = varrayRange(t, start, end, 'basis');
          const p = varrayRange(t, start, end, 'positions');
          if (b) vRows(t, b[0], b[1], calc.basis, 'basis');
          if (p) vRows(t, p[0], p[1], calc.positions, 'positions');
        } else if (name === 'energy') {
          if (calc && parent === 'calculation') calc.eFr = iValue(t, start, end, 'e_fr_energy');
        } else if (name === 'varray') {
          const nm = attr(attrs, 'name');
          if (calc && parent === 'calculation' && (nm === 'forces' || nm === 'stress')) {
            const arr: number[] = [];
            vRows(t, start, end, arr, nm);
            if (nm === 'forces') calc.forces = arr;
            else calc.stress = arr;
          } else if (parent === 'kpoints' && nm === 'kpointlist') {
            nkptList += vRows(t, start, end, [], 'kpointlist');
          }
        }
      },
      open(name, attrs) {
        if (SKIP.has(name)) {
          stack.push(name);
          names.push(null);
          return name;
        }
        const nm = attr(attrs, 'name');
        stack.push(name);
        names.push(nm);
        const parent = stack.length >= 2 ? stack[stack.length - 2] : '';
        if (name === 'calculation') {
          calcIndex++;
          calc = { basis: [], positions: [], forces: null, stress: null, eFr: null, scFr: null, scE0: null, scsteps: 0, hasStructure: false };
        } else if (name === 'generation' && parent === 'kpoints') {
          kgenParam = attr(attrs, 'param');
        } else if (name === 'rc') {
          atomRowCol = 0;
        }
        collecting = name === 'v' || name === 'i' || name === 'c' || name === 'atoms';
        textBuf = '';
      },
      text(t, s, e) {
        if (collecting) textBuf += t.slice(s, e);
      },
      close(name) {
        const nm = names.pop() ?? null;
        stack.pop();
        const parent = stack.length ? stack[stack.length - 1] : '';
        if (name === 'v') {
          if (parent === 'generation' && nm === 'divisions') {
            const d = textBuf.trim().split(/\s+/).map(Number);
            if (d.length === 3 && d.every((x) => Number.isInteger(x) && x > 0)) {
              st.kmesh = [d[0], d[1], d[2]];
              st.kmeshSource = `vasprun <kpoints> ${kgenParam ?? 'generation'}`;
            }
          }
        } else if (name === 'i') {
          if (nm && parent === 'incar') {
            const v = Number(textBuf);
            if (nm === 'KSPACING') st.kspacing = v;
            param[`incar:${nm}`] = v;
          } else if (nm && stack.includes('parameters')) {
            const v = Number(textBuf);
            if (!(nm in param)) param[nm] = v;
          } else if (nm === 'version' && parent === 'generator') st.version = textBuf.trim();
        } else if (name === 'c') {
          const L = stack.length;
          if (atomRowCol === 0 && stack[L - 1] === 'rc' && stack[L - 2] === 'set' && stack[L - 3] === 'array' && names[L - 3] === 'atoms') {
            // the first column of <array name="atoms"> rows is the element
            let el = textBuf.trim();
            if (!isElement(el)) {
              const fixed = el.length > 0 ? el[0].toUpperCase() + el.slice(1).toLowerCase() : el;
              if (!isElement(fixed)) fail(`unknown element ${JSON.stringify(el)} in <atominfo> (atom ${symbols.length + 1})`, undefined, 'atominfo');
              el = fixed;
            }
            symbols.push(el);
          }
          if (atomRowCol >= 0) atomRowCol++;
        } else if (name === 'rc') {
          atomRowCol = -1;
        } else if (name === 'calculation') {
          finishCalc();
        } else if (name === 'kpoints') {
          st.nkpts = nkptList || null;
        } else if (name === 'atominfo') {
          symbols = [...symbols];
        } else if (name === 'modeling') {
          closedModeling = true;
        }
        collecting = false;
        textBuf = '';
      },
    });
  } catch (e) {
    if (e instanceof ReadError) throw e;
    const err = e as Error & { truncated?: boolean };
    if (err.truncated && options.truncated === 'drop') {
      result = { bytes: size, depth: 1 };
    } else {
      throw new ReadError(path, { frame: nFrames() }, `${err.message}${err.truncated ? ' (truncated vasprun.xml; pass { truncated: "drop" } to keep the finished steps)' : ''}`);
    }
  }
  if (!closedModeling) {
    if (options.truncated !== 'drop') {
      throw new ReadError(path, { frame: nFrames() }, `file ends before </modeling>${calc ? ` inside <calculation> ${calcIndex}` : ''}: truncated vasprun.xml (pass { truncated: "drop" } to keep the ${nFrames()} finished step(s))`);
    }
    if (calc) skipped.push({ step: calcIndex, reason: 'unfinished at the end of the file' });
  }
  if (symbols.length === 0) throw new ReadError(path, { array: 'atominfo' }, 'no atoms in <atominfo>');
  if (nFrames() === 0) throw new ReadError(path, {}, `no complete <calculation> with structure, forces and energy (${calcIndex} found)`);
  // settings: the user's INCAR first, then the full parameter list (not for KSPACING: always listed there)
  const pick = (k: string): number | null => (param[`incar:${k}`] ?? param[k] ?? null);
  st.ismear = pick('ISMEAR');
  st.sigma = pick('SIGMA');
  st.encut = pick('ENCUT');
  st.pstress = pick('PSTRESS');
  st.nelm = pick('NELM');
  st.ibrion = pick('IBRION');
  st.isif = pick('ISIF');
  st.nwrite = pick('NWRITE');
  const counts: Record<string, number> = {};
  for (const s of symbols) counts[s] = (counts[s] ?? 0) + 1;
  st.species = Object.keys(counts);
  st.ionsPerType = Object.values(counts);
  const out = store as FrameStore | null;
  if (!out) throw new ReadError(path, {}, 'no frames');
  return buildVaspFrames(out, path, st, options, { reader: 'readVasprun', skipped_steps: skipped, ionic_steps: calcIndex, bytes: result.bytes });
}
