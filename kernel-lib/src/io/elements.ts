/** Chemical element symbols (Z = 1…118) and the parsing of VASP POTCAR labels. */
export const ELEMENTS: readonly string[] = (
  'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr ' +
  'Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm ' +
  'Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No ' +
  'Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
).split(' ');

const SET = new Set(ELEMENTS);

/** True when `s` is a chemical element symbol (case-sensitive, e.g. "Al"). */
export function isElement(s: string): boolean {
  return SET.has(s);
}

/**
 * The element of a POTCAR label: "PAW_PBE Cr_pv 02Aug2007" → "Cr", "Al" → "Al", "H.75" → "H".
 * Returns null when no element can be read.
 */
export function elementOfPotcar(label: string): string | null {
  const words = label.trim().split(/\s+/);
  const cand = words.length >= 2 && /^(PAW|US|NC)/i.test(words[0]) ? words[1] : words[0];
  const m = /^([A-Z][a-z]?)/.exec(cand ?? '');
  if (!m) return null;
  if (m[1].length === 2 && !SET.has(m[1]) && SET.has(m[1][0])) return m[1][0];
  return SET.has(m[1]) ? m[1] : null;
}
