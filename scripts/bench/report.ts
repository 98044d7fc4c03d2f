import { writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import type { Summary } from './stats.ts'

export type Unit = 'ms' | 's' | 'KB' | 'req/s' | 'addr/s' | 'requests'

/** One measured figure: the bridge's samples beside a baseline's from the same run. */
export interface Figure {
  figure: string
  unit: Unit
  bridge: Summary
  baseline: (Summary & { name: string }) | null
}

export interface Report {
  mode: 'quick' | 'full'
  machine: { cpus: number; model: string; memoryGiB: number; node: string; platform: string }
  startedAt: string
  durationSeconds: number
  figures: Array<Figure & { ratio: number | null }>
  notes: string[]
}

/** A figure from plain sample lists. */
export function figure(name: string, unit: Unit, bridge: Summary, baseline?: { name: string; summary: Summary }): Figure {
  return { figure: name, unit, bridge, baseline: baseline ? { name: baseline.name, ...baseline.summary } : null }
}

export function buildReport(mode: Report['mode'], startedAt: Date, figures: Figure[], notes: string[]): Report {
  const cpuList = cpus()
  return {
    mode,
    machine: {
      cpus: cpuList.length,
      model: cpuList[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    // Bridge over baseline, medians: above 1 means the bridge is slower (times) or faster (rates).
    figures: figures.map((f) => ({ ...f, ratio: f.baseline && f.baseline.median !== 0 ? f.bridge.median / f.baseline.median : null })),
    notes,
  }
}

/** A Markdown table, so a run pastes straight into an issue. */
export function renderReport(report: Report): string {
  const { machine } = report
  const rows = report.figures.map((f) => [
    f.figure,
    cell(f.bridge, f.unit),
    f.baseline ? `${cell(f.baseline, f.unit)} ${f.baseline.name}` : '—',
    f.ratio === null ? '—' : `×${f.ratio.toFixed(2)}`,
  ])
  const header = ['figure', 'invite-bridge', 'baseline', 'ratio']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [
    `invite-bridge bench, ${report.mode} mode, ${report.startedAt}`,
    `machine: ${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, node ${machine.node} ${machine.platform}`,
    'cells: median (min–max) over the samples; ratio = invite-bridge median ÷ baseline median',
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    `took ${report.durationSeconds} s`,
  ].join('\n')
}

export async function writeJson(file: string, report: Report): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
}

function cell(summary: Summary, unit: Unit): string {
  const value = (n: number) => `${format(n, unit)}`
  const spread = summary.samples > 1 && summary.min !== summary.max ? ` (${value(summary.min)}–${value(summary.max)})` : ''
  return `${value(summary.median)} ${unit}${spread}`
}

function format(n: number, unit: Unit): string {
  if (unit === 'requests') return String(Math.round(n))
  if (unit === 's') return n.toFixed(2)
  if (unit === 'KB') return n.toFixed(1)
  return n >= 100 ? n.toFixed(0) : n.toFixed(1)
}
