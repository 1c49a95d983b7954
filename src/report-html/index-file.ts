/** The page at the root of the output folder, linking every month. */
export const INDEX_FILE = 'index.html';
