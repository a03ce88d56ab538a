import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportData, ReportExport, ReportExportRequest, SearchDetail } from '../api-types';
import { confusionCsv, flaggedCsv, metricsCsv, trialsCsv } from './report-csv';
import { reportHtml } from './report-html';
import { htmlToPdf } from './report-pdf';
import { queueTable } from '../triage/queue';

/**
 * Writes a report as files in `outDir`, named by run and fingerprint so two
 * reports never overwrite each other: report-run<id>-<fp8>.html/.pdf and the
 * CSV tables (flagged drives, metrics, confusion matrices, and the trials of
 * the search that produced the run, when one did).
 */
export async function exportReport(
  data: ReportData,
  q: ReportExportRequest,
  search: SearchDetail | null,
  printPdf: (htmlFile: string, pdfFile: string) => Promise<void> = htmlToPdf,
): Promise<ReportExport> {
  mkdirSync(q.outDir, { recursive: true });
  const stem = join(q.outDir, `report-run${data.model.runId}-${data.fingerprint.slice(0, 8)}`);
  const files: ReportExport['files'] = [];
  const add = (path: string, format: ReportExport['files'][number]['format']): void => {
    files.push({ path, format, bytes: statSync(path).size });
  };
  const formats = new Set(q.formats);
  if (formats.has('html') || formats.has('pdf')) {
    const html = `${stem}.html`;
    writeFileSync(html, reportHtml(data));
    if (formats.has('html')) add(html, 'html');
    if (formats.has('pdf')) {
      await printPdf(html, `${stem}.pdf`);
      add(`${stem}.pdf`, 'pdf');
    }
    // The HTML was only the PDF's source.
    if (!formats.has('html')) rmSync(html);
  }
  if (formats.has('csv')) {
    const tables: [string, string][] = [
      ['flagged', flaggedCsv(data)],
      ['metrics', metricsCsv(data)],
      ['confusion', confusionCsv(data)],
    ];
    if (search) tables.push(['trials', trialsCsv(search)]);
    if (data.queue && data.sections.includes('queue')) tables.push(['queue', queueTable(data.queue.rows)]);
    for (const [name, text] of tables) {
      const path = `${stem}-${name}.csv`;
      writeFileSync(path, text);
      add(path, 'csv');
    }
  }
  return { fingerprint: data.fingerprint, files };
}
