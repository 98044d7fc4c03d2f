/**
 * The admin page at /invite-bridge/: markup, style and script as strings, so
 * the page ships inside the function bundle and inside an installed package
 * with no file to copy or read at run time. No framework, no build step, no
 * request to anything but this site. The script builds every node from text
 * (never innerHTML), and shows only what the admin API answers: masked
 * addresses, never plain ones.
 *
 * Raw template literals keep backslashes as written; the script avoids
 * backticks and dollar-brace so it can live in one unescaped.
 */

export const style = String.raw`
:root { --ink: #1b1b1b; --muted: #5f6368; --line: #e2e2e2; --bg: #fafafa; --ok: #1e7e34; --warn: #a66300; --bad: #b00020; --bar: #2f6fdf; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; min-width: 0; }
h2 { font-size: 1rem; margin: 0 0 .75rem; }
form { display: grid; gap: .6rem; }
label { display: grid; gap: .2rem; font-size: .9rem; }
input, select, button { font: inherit; padding: .45rem .6rem; border: 1px solid #c7c7c7; border-radius: 6px; background: #fff; color: inherit; max-width: 100%; }
button { cursor: pointer; background: #f1f3f4; }
button.primary { background: var(--bar); border-color: var(--bar); color: #fff; }
button:disabled { opacity: .6; cursor: default; }
.muted { color: var(--muted); font-size: .85rem; }
.error { color: var(--bad); }
.or { text-align: center; margin: 1rem 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(7rem, 1fr)); gap: .5rem; margin-bottom: .75rem; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: .5rem; }
.figure b { display: block; font-size: 1.4rem; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart rect.bar { fill: var(--bar); }
svg.chart text { font-size: 9px; fill: var(--muted); }
dl { margin: 0; display: grid; gap: .4rem; }
dt { font-weight: 600; }
dd { margin: 0 0 .4rem; display: flex; flex-wrap: wrap; gap: .3rem; }
.chip { border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; font-size: .85rem; }
ul.events { list-style: none; margin: 0; padding: 0; }
ul.events li { border-top: 1px solid var(--line); padding: .6rem 0; display: grid; gap: .15rem; overflow-wrap: anywhere; }
ul.events li:first-child { border-top: 0; }
.line { display: flex; flex-wrap: wrap; gap: .25rem .6rem; align-items: baseline; }
.status { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
.status.done { color: var(--ok); } .status.pending { color: var(--warn); } .status.dead { color: var(--bad); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: .5rem; }
.filters label { flex: 1 1 8rem; }
.actions { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
[hidden] { display: none !important; }
`

export const markup = `
<header>
  <h1>invite-bridge</h1>
  <div class="actions" id="session" hidden>
    <span class="muted" id="who"></span>
    <button type="button" id="refresh">Refresh</button>
    <button type="button" id="sign-out">Sign out</button>
  </div>
</header>
<main>
  <section id="sign-in" hidden>
    <h2>Sign in</h2>
    <form id="password-form">
      <label>Email <input id="email" type="email" autocomplete="username" required></label>
      <label>Password <input id="password" type="password" autocomplete="current-password" required></label>
      <button class="primary" type="submit">Sign in with this site's account</button>
    </form>
    <p class="muted">Site users whose Netlify Identity roles include the bridge's admin role may look.</p>
    <p class="or muted">or</p>
    <form id="key-form">
      <label>API key <input id="api-key" type="password" autocomplete="off" required></label>
      <button type="submit">Use an API key</button>
    </form>
    <p class="muted">One of the site's INVITE_API_KEYS. Kept in this tab only (sessionStorage).</p>
    <p id="sign-in-error" class="error" role="alert"></p>
  </section>

  <section id="denied" hidden>
    <h2>Not allowed</h2>
    <p id="denied-message" class="error" role="alert"></p>
  </section>

  <section id="problem" hidden><p id="problem-message" class="error" role="alert"></p></section>

  <section id="overview" hidden>
    <h2>Invites per day, last 30 days</h2>
    <div class="figures">
      <div class="figure"><b id="invited-total">0</b>invited</div>
      <div class="figure"><b id="pending-total">0</b>pending</div>
      <div class="figure"><b id="dead-total">0</b>dead</div>
      <div class="figure"><b id="refused-total">0</b>refused (not verified)</div>
    </div>
    <div id="chart"></div>
  </section>

  <section id="senders" hidden>
    <h2>By sender and outcome, last 30 days</h2>
    <dl id="by-sender"></dl>
  </section>

  <section id="attention" hidden>
    <h2>Pending and dead</h2>
    <ul class="events" id="attention-list"></ul>
  </section>

  <section id="log" hidden>
    <h2>Recent events</h2>
    <div class="filters">
      <label>Status <select id="filter-status">
        <option value="">all</option><option value="done">done</option><option value="pending">pending</option><option value="dead">dead</option>
      </select></label>
      <label>Sender <select id="filter-source"><option value="">all</option></select></label>
    </div>
    <ul class="events" id="log-list"></ul>
    <button type="button" id="more" hidden>More</button>
  </section>
</main>
`

export const script = String.raw`
'use strict'
;(function () {
  var API = '/invite-bridge/api'
  var IDENTITY = '/.netlify/identity'
  var STORAGE = 'invite-bridge-admin'
  var SVG = 'http://www.w3.org/2000/svg'
  var state = { cursor: null, sources: {} }

  function byId(id) { return document.getElementById(id) }
  function node(tag, className, children) {
    var element = document.createElement(tag)
    if (className) element.className = className
    ;(children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== '') element.append(child)
    })
    return element
  }
  function svg(tag, attributes, children) {
    var element = document.createElementNS(SVG, tag)
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, String(attributes[name])) })
    ;(children || []).forEach(function (child) { element.append(child) })
    return element
  }
  function show(ids) {
    ;['sign-in', 'denied', 'problem', 'overview', 'senders', 'attention', 'log'].forEach(function (id) { byId(id).hidden = ids.indexOf(id) < 0 })
    byId('session').hidden = ids.indexOf('sign-in') >= 0
  }
  // body[data-busy] while answers are awaited: the Refresh button waits, and so can a test.
  var busyCount = 0
  function busy(promise) {
    busyCount++
    document.body.dataset.busy = 'yes'
    byId('refresh').disabled = true
    return promise.catch(fail).finally(function () {
      if (--busyCount > 0) return
      delete document.body.dataset.busy
      byId('refresh').disabled = false
    })
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : ''
  }

  // ------------------------------------------------------------ credentials

  function credential() {
    try { return JSON.parse(sessionStorage.getItem(STORAGE) || 'null') } catch (error) { return null }
  }
  function keep(value) {
    if (value) sessionStorage.setItem(STORAGE, JSON.stringify(value))
    else sessionStorage.removeItem(STORAGE)
  }
  function signOut(message) {
    keep(null)
    byId('sign-in-error').textContent = message || ''
    show(['sign-in'])
  }

  // As gotrue-js does: the site's own Identity, form-encoded, on this origin.
  async function identityToken(fields) {
    var response = await fetch(IDENTITY + '/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    })
    var body = await response.json().catch(function () { return null })
    if (!response.ok || !body || !body.access_token) {
      var reason = body && (body.error_description || body.msg)
      throw new Error(reason || ('Identity answered ' + response.status + ': is Netlify Identity enabled on this site?'))
    }
    return { access: body.access_token, refresh: body.refresh_token, expiresAt: Date.now() + (body.expires_in || 3600) * 1000 }
  }

  // A user's access token lasts an hour; swap it shortly before it runs out.
  // One swap for all the calls that need it: a refresh token is good for one use.
  var renewing = null
  async function bearer() {
    var current = credential()
    if (!current) throw new SignedOut('')
    if (current.kind === 'key') return current.key
    if (current.expiresAt - 60000 > Date.now()) return current.access
    renewing = renewing || identityToken({ grant_type: 'refresh_token', refresh_token: current.refresh }).then(
      function (renewed) { keep(Object.assign({}, current, renewed)); return renewed.access },
      function () { throw new SignedOut('Your session ended. Sign in again.') }
    ).finally(function () { renewing = null })
    return renewing
  }

  function SignedOut(message) { this.message = message }
  function Denied(message) { this.message = message }

  async function api(path, init) {
    var token = await bearer()
    var response = await fetch(API + path, Object.assign({}, init, { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } }))
    var body = await response.json().catch(function () { return null })
    var message = body && body.error && body.error.message
    if (response.status === 401) {
      throw new SignedOut((credential() || {}).kind === 'key' ? 'This API key was not accepted. ' + (message || '') : 'Identity did not accept this session. ' + (message || ''))
    }
    if (response.status === 403) throw new Denied(message || '')
    if (!response.ok || !body) throw new Error('The bridge answered ' + response.status + ' for ' + path + (message ? ': ' + message : ''))
    return body
  }

  function fail(error) {
    if (error instanceof SignedOut) return signOut(error.message)
    if (error instanceof Denied) {
      var who = credential()
      byId('denied-message').textContent =
        (who && who.email ? who.email : 'This user') + ' is signed in, but this user is not an admin of the bridge. ' + error.message
      return show(['denied'])
    }
    byId('problem-message').textContent = error && error.message ? error.message : String(error)
    if (byId('overview').hidden) show(['problem'])
    else byId('problem').hidden = false
  }

  // ------------------------------------------------------------ rendering

  function utcDay(ms) { return new Date(ms).toISOString().slice(0, 10) }

  function renderChart(days) {
    var counts = {}
    var latest = utcDay(Date.now())
    days.forEach(function (day) {
      counts[day.date] = day.invited || 0
      if (day.date > latest) latest = day.date
    })
    var end = Date.parse(latest + 'T00:00:00Z')
    var series = []
    for (var i = 29; i >= 0; i--) {
      var date = utcDay(end - i * 86400000)
      series.push({ date: date, invited: counts[date] || 0 })
    }
    var max = Math.max.apply(null, series.map(function (day) { return day.invited }).concat([1]))
    var total = series.reduce(function (sum, day) { return sum + day.invited }, 0)
    // Wider drawing on a wide screen, so the bars keep a sensible height.
    var width = byId('chart').clientWidth > 600 ? 640 : 320, height = 130, top = 14, bottom = 16, slot = width / series.length
    var bars = series.map(function (day, index) {
      var h = ((height - top - bottom) * day.invited) / max
      return svg('rect', {
        class: 'bar', x: (index * slot + 1).toFixed(2), y: (height - bottom - h).toFixed(2),
        width: (slot - 2).toFixed(2), height: h.toFixed(2), 'data-date': day.date, 'data-invited': day.invited,
      }, [svg('title', {}, [day.date + ': ' + day.invited + ' invited'])])
    })
    var axis = [
      svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, stroke: '#c7c7c7', 'stroke-width': 0.5 }),
      svg('text', { x: 0, y: height - 3 }, [series[0].date]),
      svg('text', { x: width, y: height - 3, 'text-anchor': 'end' }, [series[series.length - 1].date]),
      svg('text', { x: 0, y: 9 }, ['max ' + max + ' a day']),
    ]
    var chart = svg('svg', {
      class: 'chart', viewBox: '0 0 ' + width + ' ' + height, role: 'img',
      'aria-label': total + ' invited in the last 30 days',
    }, axis.concat(bars))
    byId('chart').replaceChildren(chart)
    byId('invited-total').textContent = String(total)
  }

  function chips(counts) {
    return Object.keys(counts).sort().map(function (name) { return node('span', 'chip', [name + ' ' + counts[name]]) })
  }

  function renderStats(stats) {
    renderChart(stats.days || [])
    byId('pending-total').textContent = String(stats.pending || 0)
    byId('dead-total').textContent = String(stats.dead || 0)
    var unverified = stats.unverified || {}
    var refused = 0
    Object.keys(unverified).forEach(function (source) {
      Object.keys(unverified[source]).forEach(function (reason) { refused += unverified[source][reason] })
    })
    byId('refused-total').textContent = String(refused)

    var bySource = (stats.totals && stats.totals.bySource) || {}
    var names = Object.keys(bySource).concat(Object.keys(unverified).filter(function (name) { return !bySource[name] })).sort()
    names.forEach(noteSource)
    var rows = []
    names.forEach(function (name) {
      var refusedHere = unverified[name] || {}
      var refusedChips = Object.keys(refusedHere).sort().map(function (reason) { return node('span', 'chip error', ['refused: ' + reason + ' ' + refusedHere[reason]]) })
      rows.push(node('dt', '', [name]), node('dd', '', chips(bySource[name] || {}).concat(refusedChips)))
    })
    if (!rows.length) rows.push(node('dd', 'muted', ['No deliveries yet.']))
    byId('by-sender').replaceChildren.apply(byId('by-sender'), rows)
  }

  function noteSource(name) {
    if (state.sources[name]) return
    state.sources[name] = true
    var select = byId('filter-source')
    var option = node('option', '', [name])
    option.value = name
    select.append(option)
  }

  function eventItem(event, replayable) {
    noteSource(event.source)
    var status = node('span', 'status ' + event.status, [event.status])
    var head = node('div', 'line', [status, node('strong', '', [event.source + ' ' + event.type])])
    // Pending and dead events carry outcome "queued": their time says more.
    var facts = [event.status === 'done' ? event.outcome : null, event.email, when(event.lastSeen || event.firstSeen), event.attempts + (event.attempts === 1 ? ' attempt' : ' attempts')]
    if (event.retryAt && event.status === 'pending') facts.push('next try ' + when(event.retryAt))
    if (event.deadAt && event.status === 'dead') facts.push('dead since ' + when(event.deadAt))
    var lines = [head, node('div', 'muted', [facts.filter(Boolean).join(' · ')])]
    if (event.error) lines.push(node('div', 'error', [event.error.code + ': ' + event.error.message]))
    lines.push(node('div', 'muted', [event.eventId]))
    var item = node('li', '', lines)
    item.dataset.id = event.id
    item.dataset.status = event.status
    if (replayable) {
      var button = node('button', '', ['Replay'])
      button.type = 'button'
      var result = node('span', 'muted', [])
      button.addEventListener('click', function () { replay(event.id, button, result) })
      item.append(node('div', 'actions', [button, result]))
    }
    return item
  }

  function renderAttention(pending, dead) {
    var items = dead.map(function (event) { return eventItem(event, true) }).concat(pending.map(function (event) { return eventItem(event, true) }))
    if (!items.length) items.push(node('li', 'muted', ['Nothing pending, nothing dead.']))
    byId('attention-list').replaceChildren.apply(byId('attention-list'), items)
  }

  function replay(id, button, result) {
    button.disabled = true
    result.textContent = 'replaying…'
    busy(api('/events/' + encodeURIComponent(id) + '/replay', { method: 'POST' }).then(function (answer) {
      result.textContent = 'replayed: ' + (answer.outcome || answer.status)
      return load()
    }, function (error) {
      button.disabled = false
      result.textContent = ''
      throw error
    }))
  }

  function logQuery(cursor) {
    var query = new URLSearchParams({ limit: '50' })
    var status = byId('filter-status').value
    var source = byId('filter-source').value
    if (status) query.set('status', status)
    if (source) query.set('source', source)
    if (cursor) query.set('cursor', cursor)
    return '/events?' + query
  }

  async function loadLog(more) {
    var page = await api(logQuery(more ? state.cursor : null))
    var list = byId('log-list')
    var items = page.events.map(function (event) { return eventItem(event, false) })
    if (more) list.append.apply(list, items)
    else list.replaceChildren.apply(list, items.length ? items : [node('li', 'muted', ['No events match.'])])
    state.cursor = page.next
    byId('more').hidden = !page.next
  }

  async function load() {
    var who = credential()
    byId('who').textContent = who.kind === 'key' ? 'API key' : who.email
    byId('problem').hidden = true
    var answers = await Promise.all([api('/stats?days=30'), api('/events?status=pending&limit=50'), api('/events?status=dead&limit=50')])
    renderStats(answers[0])
    renderAttention(answers[1].events, answers[2].events)
    await loadLog(false)
    show(['overview', 'senders', 'attention', 'log'])
  }

  // ------------------------------------------------------------ wiring

  byId('password-form').addEventListener('submit', function (submitted) {
    submitted.preventDefault()
    byId('sign-in-error').textContent = ''
    var email = byId('email').value.trim()
    var signedIn = identityToken({ grant_type: 'password', username: email, password: byId('password').value }).catch(function (error) {
      throw new SignedOut(error.message)
    })
    busy(signedIn.then(function (tokens) {
      byId('password').value = ''
      keep(Object.assign({ kind: 'user', email: email }, tokens))
      return load()
    }))
  })
  byId('key-form').addEventListener('submit', function (submitted) {
    submitted.preventDefault()
    keep({ kind: 'key', key: byId('api-key').value.trim() })
    byId('api-key').value = ''
    busy(load())
  })
  byId('sign-out').addEventListener('click', function () { signOut('') })
  byId('refresh').addEventListener('click', function () { busy(load()) })
  byId('more').addEventListener('click', function () { busy(loadLog(true)) })
  byId('filter-status').addEventListener('change', function () { busy(loadLog(false)) })
  byId('filter-source').addEventListener('change', function () { busy(loadLog(false)) })

  if (credential()) busy(load())
  else show(['sign-in'])
})()
`
