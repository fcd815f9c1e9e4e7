import type { Writable } from 'node:stream';
import type { KedjaConfig } from '../../../api/src/config/config';
import { closeRuntime, openRuntime } from '../../../api/src/runtime/runtime';
import { AuditLog } from '../../../api/src/audit/audit-log';
import { Erasure } from '../../../api/src/personal-data/erasure';
import { cull, type CullReport } from '../../../api/src/personal-data/culling';

/** `kedja cull [--dry-run]`: culls by the configured retention, or reports what it would cull. */
export async function runCull(config: KedjaConfig, options: { dryRun: boolean }, out: Writable): Promise<CullReport> {
  const runtime = await openRuntime({ ...config, projectionsInProcess: false });
  try {
    const audit = new AuditLog(runtime);
    await audit.onModuleInit();
    try {
      const report = await cull(runtime, audit, new Erasure(runtime, audit), config.retention, options);
      out.write(formatReport(report));
      return report;
    } finally {
      await audit.onApplicationShutdown();
    }
  } finally {
    await closeRuntime(runtime);
  }
}

export function formatReport(report: CullReport): string {
  if (report.skipped) return 'another instance is culling this database now; nothing done\n';
  const verb = report.dryRun ? 'would cull' : 'culled';
  const identifiers = report.identifierCutoff === null
    ? 'identifiers: not culled (KEDJA_RETENTION_IDENTIFIERS is off)\n'
    : `identifiers: ${verb} for ${report.personsErased} persons whose case closed before ${report.identifierCutoff}\n`;
  return `audit records: ${verb} ${report.auditRecords} recorded before ${report.auditCutoff}\n${identifiers}`;
}
