// Longest suites first, so no worker is left running a long one alone at the end. Jest's own
// sequencer orders by the durations it cached on this machine, but a clean clone (CI) has none and
// falls back to file size, which put the two-minute soak last (measured: jest 424 s against 318 s).
// The weights below are the suites' seconds on this 2-core machine with three workers (2026-12-05);
// they only order the run, and a cached duration wins once there is one.
const Sequencer = require('@jest/test-sequencer').default;

const measuredSeconds = {
  'workflow/soak.test.ts': 132,
  'workflow/bulkCrash.test.ts': 100,
  'console/console.test.ts': 77,
  'workflow/scan.test.ts': 68,
  'workflow/partnerCenterBudget.test.ts': 60,
  'workflow/scanCrash.test.ts': 57,
  'workflow/pacing.test.ts': 50,
  'workflow/everyRouteAtOnce.test.ts': 44,
  'runtime/sandbox.test.ts': 37,
  'console/customerLanguages.test.ts': 26,
  'docs/readmeWalkthrough.test.ts': 24,
  'workflow/outage.test.ts': 20,
  'docs/mailScreenshots.test.ts': 20,
  'workflow/hostile.test.ts': 17,
  'workflow/operatorActions.test.ts': 17,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const cached = this.time(test);
      if (cached !== undefined) return cached / 1000;
      const relative = test.path.slice(test.context.config.rootDir.length).replace(/^[\\/]test[\\/]/, '');
      return measuredSeconds[relative.split('\\').join('/')] ?? 0;
    };
    return [...tests].sort(
      (a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || seconds(b) - seconds(a),
    );
  }
}

module.exports = LongestFirst;
