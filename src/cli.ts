#!/usr/bin/env node
// Placeholder entry point; the real CLI is assembled once the client, sandbox and pipeline exist.
console.error('cohort-reports: not built yet');
process.exit(1);
