/**
 * A small SVG writer for the benchmark's results: panels of grouped horizontal bars, one panel
 * per question, stacked vertically. Values are labelled, so the chart reads without axes.
 */

export interface Bar {
  readonly label: string
  readonly value: number
}

export interface Panel {
  readonly title: string
  readonly unit: string
  readonly groups: ReadonlyArray<{ readonly label: string; readonly bars: ReadonlyArray<Bar> }>
}

const width = 760
const labelWidth = 190
const barHeight = 16
const gap = 4
const colors = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"]

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const format = (value: number) => value >= 100 ? Math.round(value).toLocaleString("en-US") : String(Math.round(value * 100) / 100)

/** One panel at vertical offset `top`; returns its SVG and height. */
const panel = (p: Panel, top: number): { readonly svg: string; readonly height: number } => {
  const max = Math.max(...p.groups.flatMap((g) => g.bars.map((b) => b.value)), 1e-9)
  const scale = (width - labelWidth - 120) / max
  const parts = [`<text x="10" y="${top + 18}" font-size="14" font-weight="bold">${escape(p.title)} (${escape(p.unit)})</text>`]
  const legend = [...new Set(p.groups.flatMap((g) => g.bars.map((b) => b.label)))]
  legend.forEach((label, i) => {
    const x = 10 + i * 150
    parts.push(`<rect x="${x}" y="${top + 28}" width="10" height="10" fill="${colors[i % colors.length]}"/>`)
    parts.push(`<text x="${x + 14}" y="${top + 37}" font-size="11">${escape(label)}</text>`)
  })
  let y = top + 48
  for (const group of p.groups) {
    parts.push(`<text x="10" y="${y + barHeight - 3}" font-size="12">${escape(group.label)}</text>`)
    for (const bar of group.bars) {
      const length = Math.max(1, bar.value * scale)
      const color = colors[legend.indexOf(bar.label) % colors.length]
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${color}"/>`)
      parts.push(`<text x="${(labelWidth + length + 4).toFixed(1)}" y="${y + barHeight - 4}" font-size="11">${format(bar.value)}</text>`)
      y += barHeight + gap
    }
    y += 8
  }
  return { svg: parts.join("\n"), height: y - top + 12 }
}

export const svg = (title: string, panels: ReadonlyArray<Panel>): string => {
  const parts: Array<string> = []
  let top = 36
  for (const p of panels) {
    const drawn = panel(p, top)
    parts.push(drawn.svg)
    top += drawn.height
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    "</svg>",
    ""
  ].join("\n")
}
