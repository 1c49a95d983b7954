/**
 * How long a run's keys in Redis (its pages, contacts, claims and request counters) outlive their last
 * write: two weeks, enough to resume a failed month after a holiday, short enough that abandoned runs
 * clean themselves up.
 */
export const RUN_TTL_SECONDS = 14 * 24 * 3600;
