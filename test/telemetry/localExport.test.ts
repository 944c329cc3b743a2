import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { loadConfig } from '../../shared/config/appConfig';
import { inActivitySpan } from '../../shared/telemetry/invocationSpans';
import { recordStateMove } from '../../shared/telemetry/metrics';
import { startTelemetry, stopTelemetry } from '../../shared/telemetry/startTelemetry';
import { validSettings } from '../support/settings';

/**
 * TELEMETRY_EXPORT=console, as a developer runs the sandbox: the app's own spans and metrics are
 * printed, under the reinstatement's trace id. (OTLP is not exercised here: its exporter loads
 * `http` with a dynamic import, which Jest's module sandbox refuses without a Node flag.)
 */
it("prints an activity's span, in its reinstatement's trace, and a state move", async () => {
  const printed: string[] = [];
  const dir = console.dir;
  const log = console.log;
  console.dir = (item: unknown) => printed.push(inspect(item, { depth: 8 }));
  console.log = (...items: unknown[]) => printed.push(items.map((i) => inspect(i, { depth: 8 })).join(' '));
  try {
    expect(startTelemetry(loadConfig(validSettings({ TELEMETRY_EXPORT: 'console' })))).toBe('console');
    const id = 'r-local-export';
    await inActivitySpan('recordAcceptance', { reinstatementId: id }, 'invocation-1', () =>
      Promise.resolve({ kind: 'done' }),
    );
    recordStateMove('InvitationSent', 'Accepted', 60);
    await stopTelemetry();

    const output = printed.join('\n');
    const traceId = createHash('sha256').update(`reinstatement ${id}`).digest('hex').slice(0, 32);
    expect(output).toContain("name: 'activity recordAcceptance'");
    expect(output).toContain(`traceId: '${traceId}'`);
    expect(output).toContain(`'reinstatement.id': '${id}'`);
    expect(output).toContain("name: 'reinstatement.transitions'");
  } finally {
    console.dir = dir;
    console.log = log;
  }
});
