/**
 * The API reference page (`GET /docs`): one self-contained HTML file that renders `/v1/openapi.json` in the
 * browser. No CDN, no external fonts: it works in an air-gapped deployment and on `npm start` offline.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deskless API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
  header { background: #1d2330; color: #fff; padding: 16px 32px; }
  main { max-width: 1000px; margin: 0 auto; padding: 16px 32px 64px; }
  h2 { border-bottom: 1px solid #dde1e7; padding-bottom: 4px; margin-top: 40px; }
  .op { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; margin: 12px 0; padding: 12px 16px; }
  .method { display: inline-block; min-width: 64px; font-weight: 700; font-family: ui-monospace, monospace; }
  .GET { color: #1f7a3f; } .POST { color: #1d5fbf; } .PATCH { color: #a5610b; } .DELETE { color: #b3261e; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f3f5f8; padding: 8px; border-radius: 4px; overflow-x: auto; }
  .roles { color: #5b6475; font-size: 13px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #dde1e7; padding: 4px 8px; text-align: left; }
</style>
</head>
<body>
<header><h1>Deskless API reference</h1><p id="intro">Loading /v1/openapi.json…</p></header>
<main id="content"></main>
<script>
(async function () {
  const spec = await (await fetch('/v1/openapi.json')).json();
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  document.getElementById('intro').textContent = spec.info.description + ' Version ' + spec.info.version + '.';
  const main = document.getElementById('content');
  const byTag = {};
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) (byTag[op.tags[0]] ||= []).push({ path, method, op });
  }
  for (const [tag, ops] of Object.entries(byTag)) {
    main.append(el('h2', { id: 'tag-' + tag }, tag));
    for (const { path, method, op } of ops) {
      const box = el('div', { class: 'op', id: op.operationId });
      box.append(el('div', {}, el('span', { class: 'method ' + method.toUpperCase() }, method.toUpperCase()), el('code', {}, path), ' — ' + op.summary));
      const roles = op['x-deskless-roles'];
      box.append(el('div', { class: 'roles' }, roles.length ? 'API key roles: ' + roles.join(', ') : 'No API key needed'));
      if (op.description) box.append(el('p', {}, op.description));
      if (op.parameters.length) box.append(el('p', {}, 'Parameters: ', ...op.parameters.map((p) => el('code', {}, p.in + ':' + p.name + ' '))));
      const body = op.requestBody && op.requestBody.content['application/json'].schema.$ref;
      if (body) box.append(el('p', {}, 'Body: ', el('a', { href: '#schema-' + body.split('/').pop() }, body.split('/').pop())));
      const codes = Object.entries(op.responses).map(([code, r]) => {
        const schema = r.content && Object.values(r.content)[0].schema.$ref;
        return el('li', {}, code + ' ', schema ? el('a', { href: '#schema-' + schema.split('/').pop() }, schema.split('/').pop()) : '', ' ' + (r.description || ''));
      });
      box.append(el('ul', {}, ...codes));
      main.append(box);
    }
  }
  main.append(el('h2', { id: 'problems' }, 'Problem types'));
  const table = el('table', {}, el('tr', {}, el('th', {}, 'type'), el('th', {}, 'status'), el('th', {}, 'meaning')));
  for (const p of spec['x-problem-types']) {
    table.append(el('tr', { id: p.type.split('#')[1] }, el('td', {}, el('code', {}, p.type)), el('td', {}, String(p.status)), el('td', {}, p.title)));
  }
  main.append(table);
  main.append(el('h2', { id: 'schemas' }, 'Schemas'));
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    main.append(el('h3', { id: 'schema-' + name }, name), el('pre', {}, JSON.stringify(schema, null, 2)));
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
})().catch((e) => { document.getElementById('intro').textContent = 'Could not load the API description: ' + e; });
</script>
</body>
</html>`;

export function docsPage(): string {
  return PAGE;
}
