import { describe, expect, it } from 'vitest';
import { planReport } from '../../src/rate-limit/plan-report.js';
import { planTake } from '../../src/rate-limit/plan-take.js';
import { reportCases, takeCases } from '../support/rate-limit-cases.js';

const NOW = 1_800_000_000_000;

describe('planTake on the cases shared with take-3.lua', () => {
  for (const c of takeCases) {
    it(c.name, () => {
      const decision = planTake({
        ...c.params,
        nowMs: NOW,
        state: c.state && { tokens: c.state.tokens, updatedAtMs: NOW - c.state.ageMs },
        pausedUntilMs: c.pauseInMs === null ? null : NOW + c.pauseInMs,
        learnedLimit: c.learnedLimit,
      });
      expect(decision.kind).toBe(c.expected.kind);
      expect(decision.waitMs).toBe(c.expected.waitMs);
      expect(decision.allowancePerWindow).toBe(c.expected.allowancePerWindow);
      const tokensAfter = decision.kind === 'granted' ? decision.state.tokens : null;
      if (c.expected.tokensAfter === null) expect(tokensAfter).toBeNull();
      else expect(tokensAfter).toBeCloseTo(c.expected.tokensAfter, 9);
    });
  }
});

describe('planReport on the cases shared with report-3.lua', () => {
  for (const c of reportCases) {
    it(c.name, () => {
      const state = c.state && { tokens: c.state.tokens, updatedAtMs: NOW - c.state.ageMs };
      const decision = planReport({
        ...c.params,
        nowMs: NOW,
        feedback: c.feedback(NOW),
        state,
        pausedUntilMs: c.pauseInMs === null ? null : NOW + c.pauseInMs,
        learnedLimit: c.learnedLimit,
      });
      expect(decision.pause?.shiftMs ?? 0).toBe(c.expected.shiftMs);
      expect(decision.pause === null ? null : decision.pause.untilMs - NOW).toBe(c.expected.pauseInMs);
      const after = decision.pause?.state ?? state;
      if (c.expected.tokensAfter === null) expect(after).toBeNull();
      else expect(after?.tokens).toBeCloseTo(c.expected.tokensAfter, 9);
      expect(after === null ? null : after.updatedAtMs - NOW).toBe(c.expected.updatedInMs);
      const learned =
        decision.learnedLimit.kind === 'set' ? decision.learnedLimit.limit : decision.learnedLimit.kind === 'clear' ? null : c.learnedLimit;
      expect(learned).toBe(c.expected.learnedLimitAfter);
    });
  }
});
