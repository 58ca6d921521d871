/** Where the hook tells the prefetcher what the server asked for last: "NAME SEGMENT_SIZE". */
export const WANTED_FILE = 'wanted';
