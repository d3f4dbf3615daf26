import type { ReplayStatus, VerificationReport } from '@waggle/read-model';
import { formatTable } from './formatTable.ts';

const bytes = (n: number | null): string =>
  n === null ? '?' : n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** The verification at a switch, for people: equal or not, at which offsets, and examples of what differs. */
export const formatVerification = (report: VerificationReport): string => {
  const lines = [
    `verification of v${report.candidateVersion} against v${report.servingVersion}: ${report.equal ? 'EQUAL' : 'DIFFERENT'}` +
      (report.sameOffsets ? ', compared at the same offsets' : ', NOT at the same offsets (a consumer moved elsewhere)'),
    ...(report.timedOut === true ? ['  (a version did not reach the end offsets within the 30 s hold: compared where both were)'] : []),
    `  offsets: ${report.offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}${o.candidate === o.offset ? '' : `≠${o.candidate ?? '-'}`}`).join(' ')}`,
  ];
  for (const c of report.collections) {
    lines.push(
      `  ${c.collection}: ${c.serving} vs ${c.candidate} documents, ${c.parts.length - c.differingParts}/${c.parts.length} parts of the key space equal`,
    );
    for (const example of c.examples) {
      const fields = example.fields.map((f) => `${f.field}: ${JSON.stringify(f.serving)} → ${JSON.stringify(f.candidate)}`).join('; ');
      lines.push(`    ${example.id}: ${example.kind}${fields === '' ? '' : ` (${fields})`}`);
    }
  }
  return lines.join('\n');
};

/** `waggle replay status`: one row per version of each read model. */
export const formatStatus = (statuses: readonly ReplayStatus[]): string => {
  const rows = statuses.flatMap((status) =>
    status.versions.map((v) => [
      status.readModel,
      `v${v.version}`,
      v.serving ? `${v.state} *` : v.state,
      v.groupId,
      v.offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ') || '-',
      v.lag === null ? '-' : String(v.lag),
      v.collections.length === 0 ? '-' : String(v.collections.reduce((sum, c) => sum + c.documents, 0)),
      v.collections.length === 0
        ? '-'
        : bytes(v.collections.reduce<number | null>((sum, c) => (sum === null || c.bytes === null ? null : sum + c.bytes), 0)),
      [v.keepUntil === undefined || v.state !== 'previous' ? '' : `kept until ${v.keepUntil}`, v.note ?? '']
        .filter((x) => x !== '')
        .join('; '),
    ]),
  );
  return (
    formatTable(['READ MODEL', 'VERSION', 'STATE', 'GROUP', 'OFFSETS', 'LAG', 'DOCUMENTS', 'SIZE', 'NOTE'], rows) + '\n(* serves the API)'
  );
};
