// What extraction reads and keeps, bounded: a codebase of any size gives a model of bounded size,
// and one pathological file (generated, minified, a 10 MB fixture) costs no more than a normal one.

/** Larger texts are not parsed: they are generated or data, and a parse of them costs seconds. */
export const MAX_FILE_CHARS = 512 * 1024;
/** An API description may be larger than a source file and is still read. */
export const MAX_API_CHARS = 4 * 1024 * 1024;
/** Top-level symbols kept per file, and members per symbol. */
export const MAX_SYMBOLS = 500;
export const MAX_MEMBERS = 300;
/** The README kept for the overview. */
export const MAX_README_CHARS = 64 * 1024;
/** Skipped files listed by name; past this only their number is kept (`skippedOmitted`). */
export const MAX_SKIPPED_LISTED = 1_000;
/** Operations kept per API description. */
export const MAX_OPERATIONS = 2_000;
