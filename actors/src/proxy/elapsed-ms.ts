// Durations the proxy reports (events, access log, metrics), in milliseconds to the microsecond.

/**
 * Milliseconds from `from` to `to` (monotonic clock readings), rounded to the microsecond.
 *
 * Why: a difference of two `performance.now()` readings carries float noise in its last digits
 * (0.26272400000016205); no timing here means anything below a microsecond, and such a number is
 * the slow case of V8's number-to-text and of our own event encoders (each lifecycle event carries
 * two or three). Rounded, it reads 0.263 and writes fast.
 */
export function elapsedMs(from: number, to: number): number {
  return Math.round((to - from) * 1000) / 1000;
}
