/**
 * The console's only script and stylesheet, served as files from the
 * server itself (the CSP allows nothing inline and nothing external).
 */

/**
 * Progressive enhancement of the login page: the token arrives in the URL
 * fragment (never sent to the server, never in a Referer or a log); it is
 * moved into the form and wiped from the address bar.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  var match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  var field = document.getElementById('token');
  if (match && field) {
    field.value = match[1];
    history.replaceState(null, '', window.location.pathname + window.location.search);
    var operator = document.getElementById('operator');
    if (operator) operator.focus();
  }
})();
`;

/** High-contrast styles (text ≥ 7:1 on white; overdue red 6.5:1); focus always visible. */
export const CONSOLE_CSS = `
body { font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; color: #111; background: #fff; margin: 0; line-height: 1.6; }
header { background: #12355b; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
header a, header button { color: #fff; }
header button { background: transparent; border: 1px solid #fff; margin-top: 0; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; }
main { padding: 1rem; max-width: 72rem; }
a { color: #0b3d91; }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #c75000; outline-offset: 2px; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; }
fieldset { border: 1px solid #555; margin: 0 0 1rem; max-width: 40rem; }
legend { font-weight: bold; padding: 0 .25rem; }
th, td { border: 1px solid #555; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.overdue { color: #a50000; font-weight: bold; }
.error { border: 2px solid #a50000; padding: .5rem 1rem; }
.ok { color: #1b5e20; font-weight: bold; }
form.inline { display: inline-block; margin-right: 1rem; }
label { display: block; margin-top: .5rem; font-weight: 600; }
input, select, textarea, button { font: inherit; padding: .25rem .5rem; }
button { margin-top: .5rem; cursor: pointer; }
.skip { position: absolute; left: -999px; }
.chart { margin: .5rem 0 1rem; max-width: 100%; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; }
.chart text { font-size: 11px; fill: #111; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: .25rem 0; }
caption { text-align: left; font-weight: bold; }
code { overflow-wrap: anywhere; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; color: #000; padding: .5rem; }
.check { display: flex; align-items: center; gap: .5rem; margin-top: .5rem; }
.check label { display: inline; margin-top: 0; }
`;
