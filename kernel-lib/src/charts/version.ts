/** deltak's version (the package's), stated in exported figures and tables. */
export const DELTAK_VERSION = '0.1.0';
