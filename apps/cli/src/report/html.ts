/** A picture in the report: a path relative to the report folder and a caption. */
export interface ReportImage {
  src: string;
  caption: string;
  /** Display width in CSS pixels (defaults to the image's own width). */
  width?: number;
  /** Draw pixels crisp when scaled up (small images such as 64x64 samples). */
  pixelated?: boolean;
}

/** A section of the report: a heading, paragraphs, an optional table, pictures and preformatted text. */
export interface ReportSection {
  id: string;
  title: string;
  paragraphs?: string[];
  table?: { head: string[]; rows: (string | number)[][] };
  images?: ReportImage[];
  pre?: string;
}

/** The whole report: title, one-line facts at the top, sections, and the results object shown as JSON. */
export interface Report {
  title: string;
  facts: [string, string][];
  sections: ReportSection[];
  results: unknown;
  resultsFile: string;
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
header{background:#1d2330;color:#fff;padding:24px 32px}
header h1{margin:0 0 8px;font-size:26px}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:14px;color:#c9d1e3}
header dt{font-weight:600;color:#fff}
nav{padding:8px 32px;background:#e8ebf3;font-size:14px}
nav a{margin-right:14px;color:#24428f}
main{padding:8px 32px 48px;max-width:1400px}
section{background:#fff;border-radius:8px;padding:16px 24px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin-top:4px;font-size:20px}
figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}
figure img{border:1px solid #dde;background:#fff;max-width:100%;height:auto}
figure img.pixelated{image-rendering:pixelated}
figcaption{font-size:13px;color:#555;max-width:640px}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{border:1px solid #ccd;padding:4px 10px;text-align:left}
th{background:#eef}
pre{background:#f0f2f7;padding:10px;overflow:auto;font-size:12px;max-height:480px}
`;

/** Renders the report as one self-contained HTML page (pictures are files beside it). */
export function renderReportHtml(report: Report): string {
  const facts = report.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const nav = report.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const sections = report.sections.map(renderSection).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(report.title)}</h1><dl>${facts}</dl></header>
<nav>${nav}<a href="${escapeHtml(report.resultsFile)}">${escapeHtml(report.resultsFile)}</a></nav>
<main>
${sections}
<section id="results"><h2>Results (${escapeHtml(report.resultsFile)})</h2><pre>${escapeHtml(JSON.stringify(report.results, null, 2))}</pre></section>
</main>
</body>
</html>
`;
}

function renderSection(section: ReportSection): string {
  const parts = [`<section id="${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>`];
  for (const p of section.paragraphs ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
  if (section.table) {
    const head = section.table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
    const rows = section.table.rows
      .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
      .join('');
    parts.push(`<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
  }
  for (const img of section.images ?? []) {
    const width = img.width ? ` width="${img.width}"` : '';
    const cls = img.pixelated ? ' class="pixelated"' : '';
    parts.push(
      `<figure><img src="${escapeHtml(img.src)}" alt="${escapeHtml(img.caption)}"${width}${cls}><figcaption>${escapeHtml(img.caption)}</figcaption></figure>`,
    );
  }
  if (section.pre) parts.push(`<pre>${escapeHtml(section.pre)}</pre>`);
  parts.push('</section>');
  return parts.join('\n');
}
