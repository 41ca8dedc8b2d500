// The relay's operator console: a single page over the admin API (/admin/...), signed in with the admin token.
// Everything the relay returns is data from outside (webhooks, quotes, error texts): it is only ever put on the page
// as text (textContent, text nodes, attribute values), never parsed as HTML.
'use strict';

(function () {
  const TOKEN_KEY = 'dealhubRelayAdminToken';
  const REFRESH_MS = 4000;
  const view = document.getElementById('view');
  const status = document.getElementById('status');
  let refreshTimer = null;
  let refresher = null;   // the current view's refresh: reloads its data, leaves its form alone
  let generation = 0;     // raised on every navigation: answers for an earlier view are dropped

  // ---- building the page: elements and text only ------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (key === 'class') {
        node.className = value;
      } else if (key === 'text') {
        node.textContent = String(value);
      } else if (key.startsWith('on')) {
        node.addEventListener(key.substring(2), value);
      } else if (key === 'href') {
        node.setAttribute('href', safeHref(value));
      } else {
        node.setAttribute(key, value === true ? '' : String(value));
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) {
        continue;
      }
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child))
        : child);
    }
    return node;
  }

  /** Only the console's own hash routes are linked to. */
  function safeHref(href) {
    return typeof href === 'string' && href.startsWith('#/') ? href : '#/overview';
  }

  function svg(tag, attributes) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, String(value));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function time(iso) {
    if (!iso) {
      return '–';
    }
    const date = new Date(iso);
    return isNaN(date) ? String(iso) : date.toLocaleString();
  }

  function age(iso) {
    if (!iso) {
      return '–';
    }
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 120) {
      return seconds + ' s';
    }
    return seconds < 7200 ? Math.round(seconds / 60) + ' min' : Math.round(seconds / 3600) + ' h';
  }

  function stateCell(state) {
    return el('td', { class: 'state-' + (['done', 'dead', 'pending'].includes(state) ? state : 'other'),
      text: state });
  }

  function table(headings, rows) {
    return el('table', {},
      el('thead', {}, el('tr', {}, headings.map(h => el('th', { text: h })))),
      el('tbody', {}, rows));
  }

  function say(message) {
    status.textContent = message || '';
  }

  // ---- the admin API -------------------------------------------------------------------------------------------

  class SignedOut extends Error {}

  async function api(method, path, params) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      throw new SignedOut('not signed in');
    }
    const query = params ? '?' + new URLSearchParams(params).toString() : '';
    const response = await fetch(path + query, {
      method: method,
      headers: { 'Authorization': 'Bearer ' + token, 'Accept': 'application/json' },
      credentials: 'omit',
      cache: 'no-store'
    });
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (response.status === 401 || response.status === 404 && path === '/admin/overview') {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new SignedOut(response.status === 401 ? 'The relay refused that token.'
        : 'The admin API is off on this relay (no relay.admin.token).');
    }
    if (!response.ok && response.status !== 409) {
      throw new Error((body && typeof body.error === 'string' ? body.error : 'HTTP ' + response.status));
    }
    return { status: response.status, body: body };
  }

  function failed(error) {
    if (error instanceof SignedOut) {
      showSignIn(error.message === 'not signed in' ? '' : error.message);
    } else {
      say(error.message);
    }
  }

  // ---- routes: #/view/argument?filter ------------------------------------------------------------------------

  function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    const question = hash.indexOf('?');
    const path = (question < 0 ? hash : hash.substring(0, question)).split('/');
    return {
      view: path[0] || 'overview',
      argument: path.length > 1 ? decodeURIComponent(path.slice(1).join('/')) : null,
      params: new URLSearchParams(question < 0 ? '' : hash.substring(question + 1))
    };
  }

  function go(view, params) {
    const query = params && params.toString();
    location.hash = '#/' + view + (query ? '?' + query : '');
  }

  const VIEWS = { overview: overview, events: events, event: event, dead: deadLetters, reconcile: reconcile };

  function render() {
    generation++;
    say('');
    if (!sessionStorage.getItem(TOKEN_KEY)) {
      showSignIn('');
      return;
    }
    document.getElementById('signin').hidden = true;
    document.getElementById('nav').hidden = false;
    document.getElementById('controls').hidden = false;
    const current = route();
    const show = VIEWS[current.view] || overview;
    for (const link of document.querySelectorAll('#nav a')) {
      link.classList.toggle('active', link.dataset.view === current.view
        || current.view === 'event' && link.dataset.view === 'events');
    }
    clear(view);
    refresher = null;
    show(current);
  }

  /** Makes {@code load} the view's refresh and runs it now; it gets whether it is still the current view. */
  function refreshing(load) {
    const mine = generation;
    refresher = () => load().then(() => {
      if (mine === generation) {
        say('');
      }
    }).catch(failed);
    refresher();
  }

  function tick() {
    if (refresher && !document.getElementById('pause').checked && !document.hidden) {
      refresher();
    }
  }

  // ---- sign-in --------------------------------------------------------------------------------------------------

  function showSignIn(message) {
    refresher = null;
    clear(view);
    document.getElementById('nav').hidden = true;
    document.getElementById('controls').hidden = true;
    document.getElementById('signin').hidden = false;
    document.getElementById('signin-error').textContent = message || '';
    document.getElementById('token').focus();
  }

  document.getElementById('signin').addEventListener('submit', async event => {
    event.preventDefault();
    const input = document.getElementById('token');
    sessionStorage.setItem(TOKEN_KEY, input.value);
    input.value = '';
    try {
      await api('GET', '/admin/overview');
      render();
    } catch (error) {
      failed(error);
    }
  });

  document.getElementById('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('');
  });

  // ---- overview -------------------------------------------------------------------------------------------------

  function overview() {
    const cards = el('div', { class: 'cards', id: 'overview-cards' });
    const chart = el('div', { class: 'chart' });
    view.append(el('h1', { text: 'Overview' }), cards, chart);
    refreshing(async () => {
      const [figures, runs] = await Promise.all([api('GET', '/admin/overview'), api('GET', '/admin/reconcile')]);
      const f = figures.body;
      const received = Object.values(f.events).reduce((a, b) => a + b, 0);
      const last = (runs.body.runs || [])[0];
      clear(cards);
      cards.append(
        card('Received', received, 'events in the journal'),
        card('Delivered', f.deliveries.done, 'deliveries'),
        card('Dead', f.deliveries.dead, 'deliveries waiting for a replay', f.deliveries.dead > 0 ? '#/dead' : null),
        card('Backlog', f.backlog, 'events waiting for dispatch'),
        card('Oldest pending', f.oldest_pending ? age(f.oldest_pending) : '–', 'waiting since'),
        card('Last reconcile', last ? last.state : 'none yet', last ? time(last.finished_at || last.started_at) : '',
          '#/reconcile'));
      clear(chart);
      chart.append(el('div', { class: 'legend' },
        el('strong', { text: 'Last hour on this instance ' }),
        el('span', { class: 'received', text: '— webhooks accepted' }),
        el('span', { class: 'delivered', text: '— deliveries delivered' }),
        el('span', { class: 'dead', text: '— deliveries dead' })), lineChart(f.history || []));
    });
  }

  function card(label, value, note, link) {
    const body = [el('div', { class: 'label', text: label }), el('div', { class: 'value', text: value }),
      el('div', { class: 'muted', text: note })];
    return link ? el('a', { class: 'card', href: link, 'data-card': label }, body)
      : el('div', { class: 'card', 'data-card': label }, body);
  }

  /** The last hour's intervals as three lines, in an SVG drawn here (no chart library, nothing fetched). */
  function lineChart(samples) {
    const width = 720;
    const height = 160;
    const pad = 24;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'last hour' });
    const top = Math.max(1, ...samples.map(s => Math.max(s.received, s.delivered, s.dead)));
    chart.append(svg('line', { x1: pad, y1: height - pad, x2: width - 4, y2: height - pad, stroke: '#d9dde5' }));
    const label = svg('text', { x: 2, y: 12, 'font-size': 11, fill: '#5d6677' });
    label.textContent = String(top);
    chart.append(label);
    const zero = svg('text', { x: 2, y: height - pad, 'font-size': 11, fill: '#5d6677' });
    zero.textContent = '0';
    chart.append(zero);
    const slots = 360;
    const x = i => pad + (width - pad - 4) * (slots - samples.length + i) / (slots - 1 || 1);
    const y = v => height - pad - (height - pad - 8) * v / top;
    for (const [field, color] of [['received', '#2f5fb3'], ['delivered', '#2e7d4f'], ['dead', '#b3261e']]) {
      const points = samples.map((s, i) => `${x(i).toFixed(1)},${y(s[field]).toFixed(1)}`).join(' ');
      if (points) {
        chart.append(svg('polyline', { points: points, fill: 'none', stroke: color, 'stroke-width': 1.5 }));
      }
    }
    return chart;
  }

  // ---- events ---------------------------------------------------------------------------------------------------

  const FILTER_FIELDS = [
    ['state', 'State', 'select', ['', 'pending', 'done', 'dead']],
    ['type', 'Event type', 'text'],
    ['sink', 'Sink', 'text'],
    ['id', 'Quote id or event id', 'text'],
    ['from', 'Received from', 'datetime-local'],
    ['to', 'Received before', 'datetime-local']
  ];

  /** A form for the filter in {@code params}; applying it puts the filter in the URL, so a view can be shared. */
  function filterForm(target, params, fields, extra) {
    const inputs = {};
    const form = el('form', { class: 'filters', id: 'filters' });
    for (const [name, label, kind, options] of fields) {
      let input;
      if (kind === 'select') {
        input = el('select', { name: name }, options.map(o => el('option', { value: o, text: o || 'any' })));
        input.value = params.get(name) || '';
      } else {
        input = el('input', { type: kind, name: name });
        input.value = kind === 'datetime-local' ? toLocalInput(params.get(name)) : params.get(name) || '';
      }
      inputs[name] = input;
      form.append(el('label', {}, label, input));
    }
    form.append(el('button', { type: 'submit', text: 'Apply' }),
      el('button', { type: 'button', class: 'plain', text: 'Clear', onclick: () => go(target) }));
    form.addEventListener('submit', e => {
      e.preventDefault();
      const next = new URLSearchParams(extra || '');
      for (const [name, input] of Object.entries(inputs)) {
        const value = input.type === 'datetime-local' ? fromLocalInput(input.value) : input.value.trim();
        if (value) {
          next.set(name, value);
        }
      }
      go(target, next);
    });
    return form;
  }

  function toLocalInput(iso) {
    if (!iso) {
      return '';
    }
    const d = new Date(iso);
    if (isNaN(d)) {
      return '';
    }
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000);
    return local.toISOString().substring(0, 16);
  }

  function fromLocalInput(value) {
    const d = value ? new Date(value) : null;
    return d && !isNaN(d) ? d.toISOString().replace('.000Z', 'Z') : '';
  }

  /** The API's parameters from the URL's: only the filter's names, so that nothing else is sent along. */
  function apiParams(params, names) {
    const out = {};
    for (const name of names) {
      const value = params.get(name);
      if (value) {
        out[name] = value;
      }
    }
    return out;
  }

  const FILTER_NAMES = ['state', 'type', 'sink', 'id', 'from', 'to', 'reason'];

  function eventRows(events, withReplay) {
    return events.map(e => el('tr', { 'data-event-id': e.event_id, class: 'event-row' },
      el('td', { text: time(e.received_at) }),
      el('td', {}, el('a', { href: '#/event/' + encodeURIComponent(e.event_id), text: e.event_id })),
      el('td', { text: e.event_type }),
      el('td', { text: e.quote_id || '' }),
      stateCell(e.state),
      el('td', { class: 'reason', text: e.last_error || '' }),
      withReplay ? el('td', {}, el('button', { type: 'button', class: 'plain replay-one', text: 'Replay',
        onclick: ev => replayEvent(e.event_id, ev.target) })) : null));
  }

  function events(current) {
    const params = current.params;
    const chips = el('div', { class: 'chips', id: 'event-counts' });
    const list = el('div', { id: 'event-list' });
    view.append(el('h1', { text: 'Events' }), filterForm('events', params, FILTER_FIELDS), chips, list);
    refreshing(async () => {
      const query = apiParams(params, FILTER_NAMES.concat(['cursor']));
      query.limit = '50';
      const counts = apiParams(params, FILTER_NAMES.filter(n => n !== 'state'));
      const [page, totals] = await Promise.all([api('GET', '/admin/events', query),
        api('GET', '/admin/counts', counts)]);
      clear(chips);
      for (const [state, n] of Object.entries(totals.body.events)) {
        chips.append(el('span', { class: 'state-' + state }, state + ': ' + n));
      }
      clear(list);
      list.append(table(['Received', 'Event', 'Type', 'Quote', 'State', 'Last error'],
        eventRows(page.body.events, false)));
      if (page.body.events.length === 0) {
        list.append(el('p', { class: 'muted', text: 'No event matches this filter.' }));
      }
      list.append(pager('events', params, page.body.next_cursor));
    });
  }

  function pager(target, params, nextCursor) {
    const pager = el('div', { class: 'pager' });
    if (params.get('cursor')) {
      const first = new URLSearchParams(params);
      first.delete('cursor');
      pager.append(el('a', { href: '#/' + target + (first.toString() ? '?' + first : ''), text: '« Newest' }));
    }
    if (nextCursor) {
      const next = new URLSearchParams(params);
      next.set('cursor', nextCursor);
      pager.append(el('a', { href: '#/' + target + '?' + next, text: 'Older »', id: 'older' }));
    }
    return pager;
  }

  // ---- one event ------------------------------------------------------------------------------------------------

  function event(current) {
    const id = current.argument;
    const body = el('div', { id: 'event-detail' });
    view.append(el('p', {}, el('a', { href: '#/events', text: '« Events' })),
      el('h1', {}, 'Event ', el('code', { text: id || '' })), body);
    refreshing(async () => {
      const answer = await api('GET', '/admin/events/' + encodeURIComponent(id || ''));
      const e = answer.body;
      const info = e.quote && typeof e.quote === 'object' && e.quote.info && typeof e.quote.info === 'object'
        ? e.quote.info : {};
      clear(body);
      body.append(el('dl', { class: 'facts' },
        fact('Type', e.event_type), fact('Action', e.event_action), fact('State', e.state),
        fact('Quote id', e.quote_id), fact('Quote name', text(info.dealhub_quote_name), 'quote-name'),
        fact('Account', text(info.account_name), 'account-name'),
        fact('Received', time(e.received_at)), fact('Updated', time(e.updated_at)),
        fact('Last error', e.last_error)));
      const deliveries = e.deliveries || [];
      body.append(el('h2', { text: 'Deliveries' }), table(
        ['Sink', 'State', 'Attempts', 'Last error', 'Instance', 'Updated', 'Next attempt'],
        deliveries.map(d => el('tr', { class: 'delivery-row', 'data-sink': d.sink },
          el('td', { text: d.sink }), stateCell(d.state), el('td', { text: d.attempts }),
          el('td', { class: 'reason', text: d.last_error || '' }),
          el('td', { text: d.worker || d.lease_owner || '' }), el('td', { text: time(d.updated_at) }),
          el('td', { text: d.next_attempt_at ? time(d.next_attempt_at) : '' })))));
      if (deliveries.some(d => d.state === 'dead')) {
        body.append(el('p', {}, el('button', { type: 'button', id: 'replay-event', text: 'Replay dead deliveries',
          onclick: ev => replayEvent(e.event_id, ev.target) })));
      }
      body.append(el('h2', { text: 'Webhook as received' }), el('pre', { id: 'payload',
        text: JSON.stringify(e.payload, null, 2) }));
      body.append(el('h2', { text: 'Quote as fetched' }), el('pre', { id: 'quote',
        text: e.quote === null || e.quote === undefined ? '(not fetched)' : JSON.stringify(e.quote, null, 2) }));
    });
  }

  function text(value) {
    return value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }

  function fact(label, value, id) {
    return [el('dt', { text: label }), el('dd', { id: id, text: value === null || value === undefined ? '' : value })];
  }

  async function replayEvent(eventId, button) {
    button.disabled = true;
    try {
      const answer = await api('POST', '/admin/events/' + encodeURIComponent(eventId) + '/replay');
      say('');
      button.textContent = answer.body.replayed_deliveries + ' replayed';
      if (refresher) {
        refresher();
      }
    } catch (error) {
      button.disabled = false;
      failed(error);
    }
  }

  // ---- dead letters ---------------------------------------------------------------------------------------------

  const DEAD_FIELDS = FILTER_FIELDS.filter(f => f[0] !== 'state');

  function deadLetters(current) {
    const params = current.params;
    const groups = el('div', { id: 'dead-groups' });
    const replay = el('div', { class: 'panel', id: 'bulk-replay' });
    const list = el('div', { id: 'dead-list' });
    const reason = params.get('reason');
    view.append(el('h1', { text: 'Dead letters' }), filterForm('dead', params, DEAD_FIELDS,
      reason ? new URLSearchParams({ reason: reason }) : null));
    if (reason) {
      const without = new URLSearchParams(params);
      without.delete('reason');
      view.append(el('p', {}, 'Reason: ', el('code', { text: reason }), ' ',
        el('a', { href: '#/dead' + (without.toString() ? '?' + without : ''), text: '(any reason)' })));
    }
    view.append(groups, replay, list);
    bulkReplay(replay, params);
    refreshing(async () => {
      const filter = apiParams(params, DEAD_FIELDS.map(f => f[0]).concat(['reason']));
      const query = Object.assign({ state: 'dead', limit: '50' }, filter, apiParams(params, ['cursor']));
      const [grouped, page] = await Promise.all([api('GET', '/admin/dead-letters', filter),
        api('GET', '/admin/events', query)]);
      clear(groups);
      groups.append(el('p', { text: grouped.body.deliveries + ' dead deliveries match.' }),
        table(['Sink', 'Reason', 'Deliveries', 'Oldest event', 'Newest event', ''],
          grouped.body.groups.map(g => {
            const narrowed = new URLSearchParams(params);
            narrowed.delete('cursor');
            narrowed.set('sink', g.sink);
            narrowed.set('reason', g.reason || '');
            return el('tr', { class: 'dead-group', 'data-sink': g.sink },
              el('td', { text: g.sink }), el('td', { class: 'reason', text: g.reason || '' }),
              el('td', { text: g.deliveries }), el('td', { text: time(g.oldest) }),
              el('td', { text: time(g.newest) }),
              el('td', {}, el('a', { href: '#/dead?' + narrowed, text: 'Show' })));
          })));
      clear(list);
      list.append(el('h2', { text: 'Events with a dead delivery' }), table(
        ['Received', 'Event', 'Type', 'Quote', 'State', 'Last error', ''], eventRows(page.body.events, true)),
        pager('dead', params, page.body.next_cursor));
    });
  }

  /** Replay everything the filter matches: a dry run says how many first, then the replay and its progress. */
  function bulkReplay(panel, params) {
    const filter = apiParams(params, DEAD_FIELDS.map(f => f[0]).concat(['reason']));
    const start = el('button', { type: 'button', id: 'replay-preview', text: 'Replay all that match…' });
    panel.append(start);
    start.addEventListener('click', async () => {
      try {
        const dry = await api('POST', '/admin/replay', Object.assign({ state: 'dead', dryRun: 'true' }, filter));
        const n = dry.body.deliveries;
        clear(panel);
        const confirm = el('button', { type: 'button', id: 'replay-confirm', text: 'Replay ' + n });
        panel.append(el('span', { id: 'replay-count', text: 'This replays ' + n + ' deliveries. ' }), confirm, ' ',
          el('button', { type: 'button', class: 'plain', text: 'Cancel', onclick: () => {
            clear(panel);
            bulkReplay(panel, params);
          } }));
        confirm.disabled = n === 0;
        confirm.addEventListener('click', async () => {
          confirm.disabled = true;
          try {
            const done = await api('POST', '/admin/replay', Object.assign({ state: 'dead' }, filter));
            clear(panel);
            const progress = el('span', { id: 'replay-progress',
              text: done.body.replayed_deliveries + ' deliveries replayed.' });
            panel.append(progress);
            if (done.body.replay_id) {
              followReplay(done.body.replay_id, progress, generation);
            }
          } catch (error) {
            failed(error);
          }
        });
      } catch (error) {
        failed(error);
      }
    });
  }

  async function followReplay(replayId, progress, mine) {
    while (mine === generation) {
      try {
        const p = (await api('GET', '/admin/replays/' + encodeURIComponent(replayId))).body;
        progress.textContent = `${p.replayed_deliveries} replayed: ${p.delivered} delivered, ${p.pending} pending, `
          + `${p.dead} dead again`;
        if (p.pending === 0) {
          if (refresher) {
            refresher();
          }
          return;
        }
      } catch (error) {
        failed(error);
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
  }

  // ---- reconcile ------------------------------------------------------------------------------------------------

  function reconcile() {
    const actions = el('div', { class: 'panel' });
    const result = el('div', { id: 'reconcile-result' });
    const runs = el('div', { id: 'reconcile-runs' });
    const dry = el('button', { type: 'button', class: 'plain', id: 'reconcile-dry', text: 'Dry run' });
    const now = el('button', { type: 'button', id: 'reconcile-now', text: 'Start a run now' });
    actions.append(dry, ' ', now, result);
    view.append(el('h1', { text: 'Reconcile' }), actions, runs);
    dry.addEventListener('click', () => reconcileCall(dry, { dryRun: 'true' }, result));
    now.addEventListener('click', () => reconcileCall(now, null, result));
    refreshing(async () => {
      const answer = (await api('GET', '/admin/reconcile')).body;
      clear(runs);
      if (answer.current) {
        runs.append(el('p', { text: 'Under way on this instance: ' + answer.current.pages + ' pages, '
          + answer.current.listed + ' quotes listed.' }));
      }
      runs.append(el('h2', { text: 'Recent runs' }), table(
        ['Started', 'Finished', 'Instance', 'Trigger', 'State', 'Listed', 'New', 'Changed', 'Unchanged', 'Gone',
          'Failure'],
        (answer.runs || []).map(r => el('tr', {}, el('td', { text: time(r.started_at) }),
          el('td', { text: time(r.finished_at) }), el('td', { text: r.instance_id }), el('td', { text: r.trigger }),
          el('td', { text: r.state }), el('td', { text: r.listed }), el('td', { text: r.new }),
          el('td', { text: r.changed }), el('td', { text: r.unchanged }), el('td', { text: r.gone }),
          el('td', { class: 'reason', text: r.failure || '' })))));
    });
  }

  async function reconcileCall(button, params, result) {
    button.disabled = true;
    clear(result);
    try {
      const answer = await api('POST', '/admin/reconcile', params);
      const r = answer.body;
      result.append(el('p', { text: answer.status === 409 ? (r.error || 'A run is under way.')
        : (params ? 'A run would list ' : 'Run started: ') + [r.listed, ' quotes: ', r.new, ' new, ', r.changed,
          ' changed, ', r.unchanged, ' unchanged, ', r.gone, ' gone', r.failure ? ' (' + r.failure + ')' : '']
          .join('') }));
      if (refresher) {
        refresher();
      }
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  // ---- start ----------------------------------------------------------------------------------------------------

  window.addEventListener('hashchange', render);
  refreshTimer = setInterval(tick, REFRESH_MS);
  render();
}());
