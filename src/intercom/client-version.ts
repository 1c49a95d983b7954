/**
 * The version sent in `User-Agent: cohort-reports/<version>`. Kept here rather than read from
 * package.json at run time (src/ reads no files); a unit test holds it equal to package.json.
 */
export const CLIENT_VERSION = '0.1.0';
