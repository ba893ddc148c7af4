// profbufd's flame graph page. Reads the JSON endpoints of the server that
// served it (/api/..., see the README) and draws with d3-flame-graph.
//
// Security: every name here comes from other users' processes (comm, symbol
// bytes). It only ever reaches the DOM through textContent, attribute setters
// and d3's .text()/.attr(), never as markup; the server's Content-Security-
// Policy forbids inline scripts and styles besides.
//
// State lives in the URL query (kind, id, type, label.KEY, search), so a view
// can be linked to and reloaded: /?label.comm=nginx&search=malloc
'use strict';

(function () {
  const HIGHLIGHT = '#e600e6';
  const FOLLOW_MS = 10000;  // how often "latest" looks for a newer window
  const $ = (id) => document.getElementById(id);

  const state = readState();
  let chart = null;
  let current = null;  // the last /api/flamegraph answer
  let kinds = [];

  function readState() {
    const p = new URLSearchParams(location.search);
    const s = { kind: p.get('kind') || '', id: p.get('id') || '', type: p.get('type') || '',
                search: p.get('search') || '', labels: {} };
    for (const [k, v] of p) if (k.startsWith('label.') && v !== '') s.labels[k.slice(6)] = v;
    return s;
  }

  // The query naming the shown window and its filters (`withView` adds the
  // search, which only the page itself reads).
  function query(withView) {
    const p = new URLSearchParams();
    if (state.kind) p.set('kind', state.kind);
    if (state.id) p.set('id', state.id);
    if (state.type) p.set('type', state.type);
    for (const [k, v] of Object.entries(state.labels)) p.append('label.' + k, v);
    if (withView && state.search) p.set('search', state.search);
    return p;
  }

  function writeState() {
    const q = query(true).toString();
    history.replaceState(null, '', q ? '?' + q : location.pathname);
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error((await r.text()).trim() || ('HTTP ' + r.status));
    return r.json();
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function setStatus(text, error) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', !!error);
  }

  function option(select, value, text, selected) {
    const o = el('option', text);
    o.value = value;
    o.selected = !!selected;
    select.appendChild(o);
  }

  function unitOf(data) { return data.sample_types[data.sample_type]; }

  function fmt(v, unit) {
    if (unit && unit.unit === 'nanoseconds') {
      if (v >= 1e9) return (v / 1e9).toFixed(2) + ' s';
      if (v >= 1e6) return (v / 1e6).toFixed(1) + ' ms';
      return (v / 1e3).toFixed(0) + ' µs';
    }
    return v.toLocaleString('en-US');
  }

  function pct(v, total) { return total > 0 ? (100 * v / total).toFixed(2) + '%' : '-'; }

  // Frame colours: warm hues for user code (by name, stable), orange for the
  // kernel, grey-blue for processes, grey for lost and incomplete frames.
  function hash(s) {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  }

  function colour(d) {
    if (d.highlight) return HIGHLIGHT;
    const kind = d.data.kind;
    const h = hash(d.data.name || '');
    if (kind === 'process') return 'hsl(210, 30%, ' + (70 + h % 10) + '%)';
    if (kind === 'synthetic') return d.data.name.startsWith('[lost') ? '#d9a0a0' : '#c8c8c8';
    if (kind === 'kernel') return 'hsl(' + (25 + h % 15) + ', 85%, ' + (55 + h % 10) + '%)';
    return 'hsl(' + (h % 50) + ', 75%, ' + (58 + h % 12) + '%)';
  }

  function matches(d, term) {
    return !!term && !!d.data.name && d.data.name.toLowerCase().includes(term.toLowerCase());
  }

  function makeChart(data) {
    const width = Math.max(320, $('chart').clientWidth);
    chart = flamegraph()
      .width(width)
      .cellHeight(18)
      // Root at the top (an icicle, as Pyroscope draws it): with whole stacks
      // from the table walker a graph is hundreds of frames tall, and the
      // first screen must show the processes and their callers, not leaves.
      .inverted(true)
      .transitionDuration(250)
      .minFrameSize(1)
      .sort(true)
      .setColorMapper(colour)
      .setSearchMatch(matches)
      .setDetailsElement($('details'))
      .setLabelHandler((d) => d.data.name + ' — ' + fmt(d.value, unitOf(current)) + ' (' +
                              pct(d.value, current.total) + ')')
      .setSearchHandler((results, sum, total) => {
        $('details').textContent = state.search
          ? 'search "' + state.search + '": ' + results.length + ' frames, ' +
            fmt(sum, unitOf(current)) + ' of ' + fmt(total, unitOf(current)) + ' (' +
            pct(sum, total) + ')'
          : '';
      });
    d3.select('#chart').datum(data.root).call(chart);
  }

  function draw(data) {
    current = data;
    if (chart) {
      chart.destroy();
      chart = null;
    }
    $('chart').textContent = '';
    makeChart(data);
    if (state.search) chart.search(state.search);
  }

  function showTotals(data) {
    const t = $('totals');
    t.textContent = '';
    const unit = unitOf(data);
    t.appendChild(el('span', data.kind + ' window of ' + (data.duration_ns / 1e9).toFixed(1) +
                     ' s from ' + data.start + ': total ' + fmt(data.total, unit) + ' ' +
                     unit.type + ' (' + unit.unit + ')'));
    for (const l of data.lost)
      t.appendChild(el('span', ' · lost (' + l.reason + '): ' + l.events.toLocaleString('en-US') +
                       ' samples, ' + fmt(l.value, unit), 'lost'));
    for (const i of data.incomplete)
      t.appendChild(el('span', ' · ' + i.reason + ': ' + fmt(i.value, unit)));
    if (data.pruned > 0)
      t.appendChild(el('span', ' · ' + data.pruned + ' frames under 0.01% not drawn', 'muted'));
    if (Object.keys(state.labels).length > 0 && data.lost.length > 0)
      t.appendChild(el('span', ' (lost samples belong to no process: shown whatever the filter)',
                       'muted'));
  }

  function showTop(data) {
    const body = $('top').querySelector('tbody');
    body.textContent = '';
    const unit = unitOf(data);
    for (const r of data.top) {
      const tr = el('tr');
      const fn = el('td', r.name, 'fn');
      fn.title = r.name;
      tr.appendChild(fn);
      tr.appendChild(el('td', r.module));
      tr.appendChild(el('td', fmt(r.self, unit), 'num'));
      tr.appendChild(el('td', pct(r.self, data.total), 'num'));
      tr.appendChild(el('td', fmt(r.total, unit), 'num'));
      tr.appendChild(el('td', pct(r.total, data.total), 'num'));
      tr.addEventListener('click', () => setSearch(r.name));
      body.appendChild(tr);
    }
  }

  // One input per label key the window has (comm, pid, and whatever labels a
  // kind or a later stage adds), each offering the values seen.
  function showFilters(data) {
    const form = $('filters');
    form.textContent = '';
    const keys = Object.keys(data.labels);
    for (const k of Object.keys(state.labels)) if (!keys.includes(k)) keys.push(k);
    for (const key of keys) {
      const label = el('label', key + ' ');
      const input = el('input');
      input.name = key;
      input.value = state.labels[key] || '';
      input.placeholder = 'any';
      input.setAttribute('list', 'values-' + key);
      input.setAttribute('aria-label', 'filter by ' + key);
      const list = el('datalist');
      list.id = 'values-' + key;
      for (const v of data.labels[key] || []) {
        const o = el('option');
        o.value = v.value;
        list.appendChild(o);
      }
      label.appendChild(input);
      form.appendChild(label);
      form.appendChild(list);
    }
    const apply = el('button', 'Filter');
    apply.type = 'submit';
    const clear = el('button', 'Clear');
    clear.type = 'button';
    clear.addEventListener('click', () => { state.labels = {}; load(); });
    form.appendChild(apply);
    form.appendChild(clear);
  }

  function showDownloads() {
    for (const f of ['pprof', 'json', 'folded']) {
      const q = query(false);
      if (current) q.set('id', current.id);
      q.set('format', f);
      $('dl-' + f).href = '/api/profile?' + q.toString();
    }
  }

  function showTypes(data) {
    const s = $('type');
    s.textContent = '';
    data.sample_types.forEach((t, i) =>
      option(s, t.type, t.type + ' (' + t.unit + ')', i === data.sample_type));
  }

  async function showWindows() {
    const s = $('window');
    const list = await getJson('/api/profiles?kind=' + encodeURIComponent(state.kind));
    s.textContent = '';
    option(s, '', 'latest', !state.id);
    for (const p of list.profiles) {
      const time = p.start.slice(11, 19);
      option(s, String(p.id), '#' + p.id + ' ' + time + ' UTC, ' +
             (p.duration_ns / 1e9).toFixed(1) + ' s', String(p.id) === state.id);
    }
    return list.profiles;
  }

  async function load() {
    writeState();
    try {
      await showWindows();
      const data = await getJson('/api/flamegraph?' + query(false).toString());
      $('host').textContent = data.host;
      showTotals(data);
      showTypes(data);
      showFilters(data);
      draw(data);
      showTop(data);
      showDownloads();
      setStatus('');
    } catch (e) {
      setStatus(e.message, true);
    }
  }

  function setSearch(term) {
    state.search = term;
    $('search').value = term;
    writeState();
    if (chart) {
      if (term) chart.search(term); else chart.clear();
    }
  }

  async function collect() {
    const seconds = Number($('seconds').value);
    const button = $('collect');
    button.disabled = true;
    setStatus('collecting ' + seconds + ' s of ' + state.kind + ' samples…');
    try {
      const r = await getJson('/api/collect?kind=' + encodeURIComponent(state.kind) +
                              '&seconds=' + encodeURIComponent(seconds));
      state.id = String(r.id);
      await load();
    } catch (e) {
      setStatus(e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  // With "latest" chosen, a newer window replaces the one shown.
  async function follow() {
    if (state.id || !current) return;
    try {
      const list = await getJson('/api/profiles?kind=' + encodeURIComponent(state.kind));
      if (list.profiles.length > 0 && list.profiles[0].id !== current.id) await load();
    } catch (e) {
      setStatus(e.message, true);
    }
  }

  function wire() {
    $('kind').addEventListener('change', (e) => {
      state.kind = e.target.value; state.id = ''; state.type = ''; load();
    });
    $('window').addEventListener('change', (e) => { state.id = e.target.value; load(); });
    $('type').addEventListener('change', (e) => { state.type = e.target.value; load(); });
    $('collect').addEventListener('click', collect);
    $('reset-zoom').addEventListener('click', () => { if (chart) chart.resetZoom(); });
    $('search').addEventListener('input', (e) => setSearch(e.target.value));
    $('filters').addEventListener('submit', (e) => {
      e.preventDefault();
      state.labels = {};
      for (const input of $('filters').querySelectorAll('input'))
        if (input.value !== '') state.labels[input.name] = input.value;
      load();
    });
    let resize = null;
    window.addEventListener('resize', () => {
      clearTimeout(resize);
      resize = setTimeout(() => { if (current) draw(current); }, 200);
    });
    setInterval(follow, FOLLOW_MS);
  }

  async function start() {
    $('search').value = state.search;
    wire();
    try {
      kinds = (await getJson('/api/kinds')).kinds;
      if (!state.kind) state.kind = kinds[0].name;
      for (const k of kinds) option($('kind'), k.name, k.name, k.name === state.kind);
      const about = await getJson('/api/about');
      $('about').textContent = 'profbufd ' + about.version + ' · ';
      for (const c of about.components) {
        const a = el('a', c.name + ' ' + c.version + ' (' + c.licence + ')');
        a.href = c.licence_url;
        $('about').appendChild(a);
        $('about').appendChild(document.createTextNode(' '));
      }
    } catch (e) {
      setStatus(e.message, true);
      return;
    }
    await load();
  }

  start();
})();
