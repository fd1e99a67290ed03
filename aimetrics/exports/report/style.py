"""The report document's inline CSS and the script that draws its charts (see
:mod:`aimetrics.exports.report.html`)."""

CSS = """
@page { size: A4; margin: 12mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 10.5px; line-height: 1.4;
  color: #1e293b; margin: 0 auto; max-width: 720px; padding: 16px; }
@media print { body { padding: 0; max-width: none; } }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 14px; margin: 14px 0 6px; border-bottom: 1px solid #cbd5e1;
  padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 11.5px; margin: 10px 0 4px; break-after: avoid; }
p { margin: 4px 0; }
.sub { color: #475569; margin: 0 0 6px; }
.onepager { break-after: page; }
.appendix h2:first-child { margin-top: 0; }
.summary { background: #f1f5f9; border-left: 3px solid #7c3aed; padding: 6px 10px;
  margin: 6px 0 8px; }
.summary p { margin: 2px 0; }
.verdict { background: #f5f3ff; border-left: 4px solid #7c3aed; padding: 8px 12px;
  margin: 8px 0 10px; font-size: 12px; line-height: 1.45; }
.verdict p { margin: 0 0 5px; }
.verdict p:last-child { margin-bottom: 0; }
.onepager h2 { margin-top: 10px; }
.teams table.data { font-size: 9.5px; }
.teams table.data td { white-space: nowrap; }
.teams table.data td:first-child { font-weight: 700; white-space: normal; min-width: 140px; }
.teams table.data td:last-child { white-space: normal; }
.standouts { margin: 4px 0 6px; padding-left: 16px; }
.standouts li { margin: 2px 0; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; margin: 4px 0; }
.tile { border: 1px solid #cbd5e1; border-radius: 4px; padding: 5px 7px; break-inside: avoid; }
.tile .label { color: #475569; font-size: 9.5px; }
.tile .value { font-size: 17px; font-weight: 700; margin: 1px 0; }
.tile .value.none { font-size: 12px; color: #b45309; }
.tile .detail, .tile .n { font-size: 9px; color: #475569; }
.roi { width: 100%; border-collapse: collapse; margin: 4px 0; }
.roi th, .roi td { border-bottom: 1px solid #e2e8f0; padding: 3px 5px; text-align: left;
  vertical-align: top; }
.roi td .big { font-size: 14px; font-weight: 700; }
table.data { width: 100%; border-collapse: collapse; margin: 4px 0 8px; font-size: 9.5px; }
table.data th { background: #f1f5f9; text-align: left; padding: 3px 4px;
  border-bottom: 1px solid #cbd5e1; }
table.data td { padding: 2px 4px; border-bottom: 1px solid #e2e8f0; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table, .chart, .tile, dl > div { break-inside: avoid; }
thead { display: table-header-group; }
.chart { width: 680px; margin: 4px 0; }
.note { color: #475569; font-size: 9.5px; }
.withheld { border: 1px solid #b45309; color: #92400e; padding: 8px; margin: 8px 0; }
dl { margin: 0; }
dl > div { display: grid; grid-template-columns: 130px 1fr; gap: 6px; padding: 3px 0;
  border-bottom: 1px solid #e2e8f0; }
dt { font-weight: 700; }
dd { margin: 0; }
a { color: #1d4ed8; }
footer { color: #64748b; font-size: 9px; margin-top: 6px; }
"""

CHART_SCRIPT = """
(function () {
  var done = function () { document.documentElement.setAttribute('data-charts', 'ready'); };
  if (typeof Plotly === 'undefined') { done(); return; }
  var drawn = Array.prototype.map.call(document.querySelectorAll('div.chart'), function (el) {
    var spec = JSON.parse(document.getElementById(el.id + '-spec').textContent);
    return Plotly.newPlot(el, spec.data, spec.layout,
      {displayModeBar: false, displaylogo: false, responsive: false, scrollZoom: false});
  });
  Promise.all(drawn).then(done, done);
})();
"""
