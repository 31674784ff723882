// Characters the gateway refuses in any string it is given (src/util/control-characters.ts), with the name its
// refusals give each: shared by the tests of the rules themselves and of the doors that apply them.

/** Every character refused, with its name in the answer. */
export const REFUSED: [string, string][] = [
  ['\u0000', 'U+0000 (NUL)'],
  ['\u0001', 'U+0001'],
  ['\u0007', 'U+0007 (BEL)'],
  ['\u0008', 'U+0008 (BS)'],
  ['\u000b', 'U+000B (VT)'],
  ['\u000c', 'U+000C (FF)'],
  ['\u001b', 'U+001B (ESC)'],
  ['\u001f', 'U+001F'],
  ['\u007f', 'U+007F (DEL)'],
  ['\u0080', 'U+0080'],
  ['\u0085', 'U+0085'],
  ['\u009f', 'U+009F'],
  ['\ud800', 'U+D800'],
  ['\udfff', 'U+DFFF'],
];
