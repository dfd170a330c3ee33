/**
 * tenantguard as a library: every phase can be called from code (and from a user's vitest
 * suite); the CLI is a thin shell over these.
 */
export { defineScenario } from './scenario/define-scenario.ts';
export { loadScenario, resolveScenario } from './scenario/load-scenario.ts';
export type { Scenario, ScenarioInput } from './scenario/types.ts';
export { runScenario, type RunOutcome, type RunScenarioOptions } from './pipeline/run-scenario.ts';
export { createBackend, assertWritable, type BackendChoice } from './db/backends/index.ts';
export { embeddedBackend } from './db/backends/embedded.ts';
export { urlBackend } from './db/backends/url.ts';
export { containerBackend } from './db/backends/container.ts';
export type { DatabaseBackend, StartedDatabase, TargetSummary } from './db/database.ts';
export { applySchema } from './db/apply-schema.ts';
export { introspect } from './catalog/introspect.ts';
export { inferTenancy } from './catalog/infer-tenancy.ts';
export type { CatalogSnapshot } from './catalog/snapshot.ts';
export { CanaryCodec } from './core/canary.ts';
export { HarnessError, ExitCode } from './core/errors.ts';
export type { Finding, CheckResult, CheckMeta, Severity, Verdict } from './core/check.ts';
export type { Report } from './core/report.ts';
export type { SeedManifest } from './core/manifest.ts';
export type { Tenancy } from './core/tenancy.ts';
export type { RunEvent, OnEvent } from './core/events.ts';
export { buildReport } from './report/build-report.ts';
export { renderJson } from './report/json.ts';
export { reporters, reportFormats, type ReportFormat } from './report/reporters.ts';
export { renderMarkdown } from './report/markdown.ts';
export { renderHtml } from './report/html.ts';
export { renderJunit } from './report/junit.ts';
export { renderSarif } from './report/sarif.ts';
export { applyBaseline, baselineFromReport, parseBaseline, renderBaseline, type BaselineFile } from './report/baseline.ts';
