import { tlsOptions } from '../../lib/azure/tls';
import type { AppConfig } from '../config/appConfig';
import { INSTRUMENTATION_SCOPE } from './names';

export type TelemetryDestination = 'Application Insights' | 'console' | 'OTLP' | 'off';

let started: TelemetryDestination | undefined;
/** Flushes and stops the export that started (every span and metric point recorded is sent). */
let stop: () => Promise<void> = () => Promise.resolve();

/**
 * Starts exporting the product's traces and metrics, once per process, before any function runs:
 *
 * - in Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set by the template) with Microsoft's
 *   distribution, @azure/monitor-opentelemetry
 *   (https://learn.microsoft.com/javascript/api/overview/azure/monitor-opentelemetry-readme). Its
 *   Azure Functions hook continues the host's trace in each invocation. Its automatic HTTP and
 *   Azure SDK instrumentations are off: every call to Microsoft already gets a span with the
 *   correlation ids (microsoftApiSpans.ts), and they would double those and add a span for every
 *   Table storage call. Sampling is by trace id at 100 %, not the default rate limit of 5 traces a
 *   second, which would keep some spans of a reinstatement's trace and drop others. The export
 *   trusts TLS_CA_FILE like every other Azure SDK client (a TLS-inspecting proxy sees it too).
 * - elsewhere, when TELEMETRY_EXPORT asks: `console` prints every span and, every 10 s, the
 *   metrics; `otlp` sends both over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default
 *   http://localhost:4318), with the standard OpenTelemetry variables.
 * - otherwise nothing is exported, and recording a span or a metric costs next to nothing (tests
 *   install their own in-memory exporters).
 */
export function startTelemetry(app: Pick<AppConfig, 'telemetry' | 'identity'>): TelemetryDestination {
  if (started) return started;
  const config = app.telemetry;
  if (config.applicationInsights) {
    const { useAzureMonitor, shutdownAzureMonitor } = load<typeof import('@azure/monitor-opentelemetry')>(
      '@azure/monitor-opentelemetry',
    );
    stop = shutdownAzureMonitor;
    useAzureMonitor({
      azureMonitorExporterOptions: tlsOptions(app.identity.caFile),
      samplingRatio: 1,
      tracesPerSecond: 0,
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
      },
    });
    started = 'Application Insights';
  } else if (config.export === 'console') {
    const otel = load<typeof import('@opentelemetry/sdk-node')>('@opentelemetry/sdk-node');
    const { NodeSDK, metrics: sdkMetrics, tracing } = otel;
    const sdk = new NodeSDK({
      serviceName: INSTRUMENTATION_SCOPE,
      resourceDetectors: withoutCommandLine(otel),
      traceExporter: new tracing.ConsoleSpanExporter(),
      metricReaders: [
        new sdkMetrics.PeriodicExportingMetricReader({
          exporter: new sdkMetrics.ConsoleMetricExporter(),
          exportIntervalMillis: 10_000,
        }),
      ],
    });
    sdk.start();
    stop = () => sdk.shutdown();
    started = 'console';
  } else if (config.export === 'otlp') {
    const otel = load<typeof import('@opentelemetry/sdk-node')>('@opentelemetry/sdk-node');
    // The exporters come from the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT and the like).
    const sdk = new otel.NodeSDK({
      serviceName: INSTRUMENTATION_SCOPE,
      resourceDetectors: withoutCommandLine(otel),
    });
    sdk.start();
    stop = () => sdk.shutdown();
    started = 'OTLP';
  } else started = 'off';
  return started;
}

/**
 * The SDK's default resource detectors less the process detector: it exports the process's command
 * line, and a host may pass app settings (secrets among them) as arguments, as the offline runtime
 * does (`--setting NAME=value`). The environment's and the host's attributes stay. (Microsoft's
 * distribution, used in Azure, detects only the environment and Azure's own resources.)
 */
function withoutCommandLine(otel: typeof import('@opentelemetry/sdk-node')) {
  return [otel.resources.envDetector, otel.resources.hostDetector];
}

/** Sends what is still buffered and stops exporting (a process about to exit, a test). */
export async function stopTelemetry(): Promise<void> {
  await stop();
  stop = () => Promise.resolve();
}

/**
 * The SDKs are loaded only when telemetry goes somewhere: they take seconds to load, and most
 * processes that run the app (tests, benchmarks, a sandbox without TELEMETRY_EXPORT) export nothing.
 */
function load<T>(module: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(module) as T;
}
