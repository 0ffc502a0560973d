/** The phone and outbox pages' HTML frame: escaped text, one inline stylesheet, no external assets. */

/** Escapes text for HTML content and double-quoted attributes. */
export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1a1a1a}
header,main{max-width:40rem;margin:0 auto;padding:.75rem}header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between}
h1{font-size:1.25rem;margin:.25rem 0}h2{font-size:1.05rem}a{color:#0b57d0}
.clock{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}.clock form{margin:0}
button{font:inherit;padding:.45rem .8rem;border:1px solid #0b57d0;border-radius:.4rem;background:#fff;color:#0b57d0;cursor:pointer;min-height:44px}
button.primary{background:#0b57d0;color:#fff}button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
ul.list{list-style:none;padding:0;margin:0}ul.list li{background:#fff;border-radius:.5rem;margin:.4rem 0;padding:.6rem .8rem}
ul.list a{font-weight:600;text-decoration:none}.muted{color:#555;font-size:.875rem}
ol.thread{list-style:none;padding:0;display:flex;flex-direction:column;gap:.5rem}
.bubble{max-width:85%;padding:.5rem .75rem;border-radius:1rem;word-wrap:break-word;white-space:pre-wrap}
.in{align-self:flex-end;background:#0b57d0;color:#fff}.in .muted{color:#e3ecff}
.out{align-self:flex-start;background:#fff;border:1px solid #ccd}.call{align-self:flex-start;background:#fff7e0;border:1px solid #e0c060}
.keys{display:flex;gap:.4rem;margin-top:.4rem;flex-wrap:wrap}.failed{color:#a50e0e;font-weight:600}
form.reply{display:flex;gap:.5rem;position:sticky;bottom:0;background:#f4f5f7;padding:.5rem 0}
form.reply textarea{flex:1;font:inherit;padding:.5rem;border-radius:.4rem;border:1px solid #888;min-height:44px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

/** A whole page: title, the clock bar (sandbox time and +1 hour / +1 day), and the body. */
export function page(title: string, nowIso: string, returnTo: string, body: string): string {
  const advance = (value: string, label: string): string =>
    `<form method="post" action="/sandbox/clock?return=${encodeURIComponent(returnTo)}"><input type="hidden" name="advance" value="${value}"><button type="submit">${label}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>
<header><h1>${esc(title)}</h1><div class="clock"><span>Sandbox time: <time datetime="${esc(nowIso)}">${esc(formatTime(nowIso))}</time></span>${advance('PT1H', '+1 hour')}${advance('P1D', '+1 day')}</div></header>
<main>${body}</main></body></html>`;
}

/** `Mon 30 Nov, 14:05 UTC`: short and unambiguous (the sandbox does not know the reader's zone). */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleDateString('en-US', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })}, ${d.toISOString().slice(11, 16)} UTC`;
}

/** An HTML response. */
export function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** A JSON response. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 1), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
