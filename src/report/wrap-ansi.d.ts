/**
 * Types for wrap-ansi 7 (the version @oclif/core brings, and the one this package depends on: it
 * ships no types of its own).
 */
declare module 'wrap-ansi' {
  interface WrapOptions {
    /** Break words longer than the width (default false: they overflow). */
    readonly hard?: boolean;
    /** Break at spaces (default true). */
    readonly wordWrap?: boolean;
    /** Remove the spaces at the start and end of each line (default true). */
    readonly trim?: boolean;
  }
  function wrapAnsi(text: string, columns: number, options?: WrapOptions): string;
  export default wrapAnsi;
}
