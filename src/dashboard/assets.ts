/**
 * The page's stylesheet and its one script, served from our own origin so the Content-Security-
 * Policy can forbid inline script. The script re-fetches the status part of the page every
 * 10 seconds (server-rendered, escaped HTML) and swaps it in; no front-end build step.
 */
export const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px;color:#1f2937}
header{display:flex;gap:16px;align-items:baseline}header form{margin-left:auto}
h1{font-size:20px}h2{font-size:16px;margin:20px 0 6px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:4px 0}th,td{text-align:left;padding:2px 10px 2px 0;vertical-align:top}
caption{text-align:left;font-weight:600;color:#4b5563}
.cols{display:flex;gap:32px;flex-wrap:wrap}.muted{color:#6b7280}.error{color:#b91c1c}.ok{color:#15803d}
.headline{font-size:16px}.chart{display:block;margin:6px 0;border:1px solid #e5e7eb}
form.action{display:inline}.narrow{max-width:480px}.prompt{white-space:pre-wrap;background:#f9fafb;padding:8px;border:1px solid #e5e7eb}
.outcome-failed{color:#b91c1c}.outcome-succeeded{color:#15803d}.checks-failure{color:#b91c1c}.checks-success{color:#15803d}
.warning{background:#fef3c7;border:1px solid #d97706;color:#7c2d12;padding:6px 10px}.banner{margin:8px 0}.unsandboxed{color:#b45309}
h3{font-size:14px;margin:14px 0 4px}.paused{color:#b45309}.milestone ul{margin:0;padding-left:18px}
`;

export const REFRESH_SCRIPT = `
(function () {
  var target = document.getElementById('status');
  if (!target) return;
  setInterval(function () {
    fetch('/?part=status', { credentials: 'same-origin' }).then(function (response) {
      if (response.ok) return response.text().then(function (text) { target.innerHTML = text; });
      if (response.status === 401) location.reload();
    }).catch(function () {});
  }, 10000);
})();
`;

/** Scripts and styles from our origin only; no inline script, no framing, forms post only to us. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
