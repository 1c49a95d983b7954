/**
 * Operational metrics (prom-client): one registry per process, fed by wrapping the limiter and the
 * Intercom client rather than by flags inside them. Workers serve it on `--metrics-port`; the
 * single-process run writes `summarizeMetrics` into its manifest.
 */
export { createMetrics, METRIC_PREFIX, type CohortMetrics } from './create-metrics.js';
export { meterApi } from './meter-api.js';
export { meterLimiter } from './meter-limiter.js';
export { startMetricsServer, type MetricsServer, type StartMetricsServerOptions } from './start-metrics-server.js';
export { summarizeMetrics } from './summarize-metrics.js';
