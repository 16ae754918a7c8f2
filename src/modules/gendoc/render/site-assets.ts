// The static site's own files: its style sheet and its one script, the search. Both are ours and
// fixed; nothing from the codebase is ever a script. The search reads the index the writer puts
// in `assets/search-index.js` (a data file: one assignment of a JSON value) rather than fetching
// a `.json`, because browsers refuse `fetch` on `file://` and the site is meant to work unpacked
// from its ZIP. It writes results with `textContent`, never as HTML.

export const STYLE_CSS = `*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1.2rem;border-bottom:1px solid #d0d7de;background:#f6f8fa}
header .home{font-weight:600;color:#1f2328;text-decoration:none}
header input{font:inherit;padding:.25rem .5rem;border:1px solid #d0d7de;border-radius:6px;min-width:16rem}
.layout{display:flex;align-items:flex-start}
nav{flex:0 0 18rem;max-height:calc(100vh - 3rem);overflow:auto;position:sticky;top:0;padding:1rem;border-right:1px solid #d0d7de;font-size:14px}
nav ul{list-style:none;margin:0;padding-left:.9rem}
nav>ul{padding-left:0}
nav a{color:#0969da;text-decoration:none;word-break:break-all}
nav a[aria-current=page]{font-weight:600;color:#1f2328}
main{flex:1;min-width:0;padding:1rem 2rem 3rem;max-width:60rem}
pre{background:#f6f8fa;padding:.75rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
code{font-family:"DejaVu Sans Mono",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
blockquote{margin:0;padding:.1rem 1rem;border-left:4px solid #8250df;background:#fbefff}
footer{padding:1rem 2rem;color:#59636e;font-size:13px;border-top:1px solid #d0d7de}
#results li{margin-bottom:.8rem}
#results p{margin:.2rem 0;color:#59636e;font-size:14px}
@media (max-width:50rem){.layout{display:block}nav{position:static;max-height:none;border-right:0;border-bottom:1px solid #d0d7de}}
`;

export const SEARCH_JS = `(function () {
  'use strict';
  var index = self.DOCS_SEARCH_INDEX || [];
  var q = new URLSearchParams(location.search).get('q') || '';
  var input = document.querySelector('header input[name=q]');
  if (input) input.value = q;
  var list = document.getElementById('results');
  var status = document.getElementById('status');
  var terms = q.toLowerCase().split(/\\s+/).filter(Boolean);
  if (!terms.length) { status.textContent = 'Type words to look for in the search box.'; return; }
  var hits = [];
  for (var i = 0; i < index.length; i++) {
    var page = index[i], title = page.t.toLowerCase(), text = page.x.toLowerCase(), score = 0, all = true;
    for (var j = 0; j < terms.length; j++) {
      var inTitle = title.indexOf(terms[j]) >= 0, inText = text.indexOf(terms[j]) >= 0;
      if (!inTitle && !inText) { all = false; break; }
      score += (inTitle ? 5 : 0) + (inText ? 1 : 0);
    }
    if (all) hits.push({ page: page, score: score });
  }
  hits.sort(function (a, b) { return b.score - a.score || a.page.t.localeCompare(b.page.t); });
  status.textContent = hits.length ? hits.length + (hits.length === 1 ? ' page' : ' pages') + ' found.' : 'No page contains every word.';
  hits.slice(0, 100).forEach(function (hit) {
    var li = document.createElement('li');
    var a = document.createElement('a');
    a.href = hit.page.u;
    a.textContent = hit.page.t;
    li.appendChild(a);
    var at = hit.page.x.toLowerCase().indexOf(terms[0]);
    var p = document.createElement('p');
    p.textContent = (at > 60 ? '…' : '') + hit.page.x.slice(Math.max(0, at - 60), Math.max(0, at - 60) + 200) + '…';
    li.appendChild(p);
    list.appendChild(li);
  });
})();
`;
