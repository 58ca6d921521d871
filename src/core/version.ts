/** The toolkit's version, printed by every `--version`. A unit test keeps it equal to package.json. */
export const VERSION = '0.1.0';
