/* Support chat widget. Protocol: docs/widget-protocol.md.
 * Embed: <script async src="/webhooks/webchat/static/widget.js" data-title="Help" data-color="#3b5bdb"></script>
 * Optional: data-server="https://bot.example.com" when the widget file is served from elsewhere. */
(function () {
  'use strict';
  if (window.SupportChat && window.SupportChat.loaded) return;

  // currentScript is only set while this file first runs, so capture it now.
  var script = document.currentScript || document.querySelector('script[src*="/webchat/static/widget.js"]');
  var data = (script && script.dataset) || {};
  var KEY = 'supportchat.conversation_id', MAX = 4000;
  var title = data.title || 'Chat';
  var color = data.color && window.CSS && CSS.supports('color', data.color) ? data.color : '#3b5bdb';
  var URL_ = wsUrl();

  var CSS_TEXT = [
    '.l,.p{position:fixed;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529}',
    '*{box-sizing:border-box}[hidden]{display:none!important}',
    ':focus-visible{outline:2px solid var(--c);outline-offset:2px}',
    '.l{right:20px;bottom:20px;width:56px;height:56px;border:0;border-radius:50%;background:var(--c);color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 12px #0004}',
    '.l.u::after{content:"";position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#e03131;border:2px solid #fff}',
    '.p{right:20px;bottom:88px;width:370px;height:min(600px,calc(100vh - 108px));background:#fff;border-radius:12px;box-shadow:0 8px 30px #0003;display:flex;flex-direction:column;overflow:hidden}',
    'header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:var(--c);color:#fff;font-weight:600}',
    'header button{background:none;border:0;color:inherit;font:24px/1 sans-serif;cursor:pointer;padding:0 4px}',
    'header :focus-visible{outline-color:#fff}',
    '.st{padding:4px 14px;font-size:12px;background:#fff3bf;color:#5c3c00}.st:empty{display:none}',
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}',
    '.m{max-width:85%;display:flex;flex-direction:column;align-items:flex-start;gap:4px}',
    '.m.c{align-self:flex-end;align-items:flex-end}',
    '.b{padding:8px 12px;border-radius:12px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere}',
    '.c .b{background:var(--c);color:#fff}.pending{opacity:.6}',
    '.n,.src,.t,.sys{font-size:12px;color:#555}',
    '.sys{align-self:center;text-align:center}.err{color:#c92a2a}',
    '.qr{display:flex;flex-wrap:wrap;gap:6px}',
    '.qr button{font:inherit;padding:4px 12px;border:1px solid var(--c);border-radius:16px;background:#fff;color:var(--c);cursor:pointer}',
    '.qr button:disabled{opacity:.5;cursor:default}',
    '.src ul{margin:2px 0 0;padding-left:18px}.src a{color:var(--c)}',
    '.t{padding:0 14px 6px}',
    'form{display:flex;gap:8px;padding:10px;border-top:1px solid #e9ecef}',
    'textarea{flex:1;resize:none;height:42px;max-height:120px;padding:10px;border:1px solid #ced4da;border-radius:8px;font:inherit;line-height:20px;color:inherit}',
    'form button{border:0;border-radius:8px;padding:0 14px;background:var(--c);color:#fff;font:inherit;font-weight:600;cursor:pointer}',
    // Below 480px a floating panel leaves no room to read; go full screen.
    // 16px input text stops iOS Safari from zooming the page on focus; the launcher would cover Send.
    '@media (max-width:479.98px){.p{inset:0;width:auto;height:auto;border-radius:0}textarea{font-size:16px}.p:not([hidden])~.l{display:none}}'
  ].join('');

  var host, root, launcher, panel, log, typing, status, input;
  var ws = null, live = false, queue = [], lastSent = null, retry = 0, timer = 0;

  function wsUrl() {
    var src = script && script.src, base = data.server;
    if (!base && src) {
      // Keep any path prefix the server is mounted under (e.g. /rasa/webhooks/...).
      var i = src.indexOf('/webhooks/webchat/');
      base = i > 0 ? src.slice(0, i) : new URL(src).origin;
    }
    var u = new URL((base || location.origin).replace(/\/+$/, '') + '/webhooks/webchat/ws', location.href);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    return u.href;
  }

  // localStorage throws in some privacy modes; the chat still works, just without resume.
  var cid = null; // the conversation this page is in, stored once it has a message
  function getId() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function setId(v) { try { localStorage.setItem(KEY, v); } catch (e) { /* ignore */ } }

  // The only way content reaches the DOM: textContent, never HTML parsing.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function attrs(e, a) { for (var k in a) e.setAttribute(k, a[k]); return e; }

  function icon() {
    var ns = 'http://www.w3.org/2000/svg';
    var s = attrs(document.createElementNS(ns, 'svg'), { viewBox: '0 0 24 24', width: 28, height: 28, 'aria-hidden': 'true' });
    s.append(attrs(document.createElementNS(ns, 'path'), {
      fill: 'currentColor',
      d: 'M6 3h12a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4H6a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z'
    }));
    return s;
  }

  function build() {
    host = el('support-chat');
    // Inline !important beats any page rule aimed at the host; inherited page fonts/colours stop here.
    host.style.cssText = 'all:initial!important';
    host.style.setProperty('--c', color);
    root = host.attachShadow({ mode: 'open' });

    launcher = attrs(el('button', 'l'), { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'p', 'aria-haspopup': 'dialog' });
    launcher.append(icon());
    launcher.onclick = function () { if (panel.hidden) open(); else close(true); };

    panel = attrs(el('div', 'p'), { id: 'p', role: 'dialog', 'aria-label': title });
    panel.hidden = true;
    var head = el('header'), x = attrs(el('button', '', '\u00d7'), { type: 'button', 'aria-label': 'Close chat' });
    x.onclick = function () { close(true); };
    head.append(el('span', '', title), x);

    status = attrs(el('div', 'st'), { role: 'status' }); // stays in the DOM so screen readers hear changes
    log = attrs(el('div', 'log'), { role: 'log', 'aria-live': 'polite' });
    typing = el('div', 't', 'Typing\u2026');
    typing.hidden = true;

    var form = el('form'), btn = attrs(el('button', '', 'Send'), { type: 'submit' });
    input = attrs(el('textarea'), { maxlength: MAX, rows: 1, placeholder: 'Type your message\u2026', 'aria-label': 'Message' });
    form.append(input, btn);
    form.onsubmit = function (e) { e.preventDefault(); submit(); };
    input.oninput = fit;
    input.onkeydown = function (e) {
      // Enter also confirms IME candidates (CJK input); don't send those (229 = Safari's variant).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    };
    panel.onkeydown = function (e) {
      if (e.key === 'Escape') { e.stopPropagation(); close(true); }
    };

    panel.append(head, status, log, typing, form);
    root.append(el('style', '', CSS_TEXT), panel, launcher);
    unread(false);
    document.body.append(host);
  }

  function fit() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
  }

  function unread(on) {
    launcher.classList.toggle('u', on);
    launcher.setAttribute('aria-label', 'Chat: ' + title + (on ? ' (new message)' : ''));
  }

  function add(node) { log.append(node); log.scrollTop = log.scrollHeight; return node; }
  function sys(text, err) { add(el('div', 'sys' + (err ? ' err' : ''), text)); }

  function bubble(text, ts, rich) {
    var b = rich ? inline(el('div', 'b'), String(text)) : el('div', 'b', String(text));
    if (typeof ts === 'number') b.title = new Date(ts * 1000).toLocaleString();
    return b;
  }

  // Help-centre text uses **bold** and `code`; render just those, always as text nodes,
  // so nothing in a message can become markup.
  function inline(b, text) {
    text.split(/(\*\*[^*\n]+\*\*|`[^`\n]+`)/).forEach(function (part, i) {
      if (i % 2 === 0) { if (part) b.append(document.createTextNode(part)); return; }
      b.append(el(part[0] === '`' ? 'code' : 'strong', '', part.replace(/^\*\*|\*\*$|^`|`$/g, '')));
    });
    return b;
  }

  function addUser(text, ts) {
    // Once the customer has said anything, earlier quick replies are stale.
    root.querySelectorAll('.qr button').forEach(function (b) { b.disabled = true; });
    var w = el('div', 'm c');
    w.append(bubble(text, ts));
    return add(w);
  }

  // Bot or agent message: text, quick replies, sources. old = from history (no unread badge).
  function addBot(m, old) {
    var s = m.sender || {}, w = el('div', 'm');
    if (s.kind === 'agent') w.append(el('div', 'n', s.name || 'Agent'));
    if (m.text != null && m.text !== '') w.append(bubble(m.text, m.ts, true));

    var row = el('div', 'qr');
    (Array.isArray(m.buttons) ? m.buttons : []).forEach(function (b) {
      if (!b || b.title == null) return;
      var t = String(b.title), k = attrs(el('button', '', t), { type: 'button' });
      k.onclick = function () { send(t, b.payload); }; // send() disables the row via addUser
      row.append(k);
    });
    if (row.firstChild) w.append(row);

    var ul = el('ul');
    (Array.isArray(m.citations) ? m.citations : []).forEach(function (c) {
      if (!c) return;
      var url = typeof c.url === 'string' ? c.url : '', t = String(c.title || url), li = el('li');
      if (!t) return;
      // Only http(s) or site-relative links: blocks javascript:, data: and friends.
      if (/^(https?:\/\/|\/)/i.test(url)) {
        var a = attrs(el('a', '', t), { href: url, target: '_blank', rel: 'noopener noreferrer' });
        li.append(a);
      } else li.textContent = t;
      ul.append(li);
    });
    if (ul.firstChild) {
      var src = el('div', 'src', 'Sources:');
      src.append(ul);
      w.append(src);
    }

    if (!w.firstChild) return;
    add(w);
    if (!old && panel.hidden) unread(true);
  }

  function submit() {
    if (send(input.value)) { input.value = ''; fit(); }
  }

  // Renders the customer's message right away; sends it now or queues it until the next welcome.
  function send(text, payload) {
    text = String(text == null ? '' : text).trim();
    if (!text) return false;
    if (text.length > MAX) { sys('Message is too long (max ' + MAX + ' characters).', true); return false; }
    var f = { type: 'message', text: text };
    if (typeof payload === 'string') f.payload = payload;
    var item = { f: f, el: addUser(text) };
    if (live && ws && ws.readyState === 1) transmit(item);
    else { item.el.classList.add('pending'); queue.push(item); connect(); }
    return true;
  }

  function transmit(item) {
    ws.send(JSON.stringify(item.f));
    if (cid) setId(cid);
    item.el.classList.remove('pending');
    lastSent = item; // errors carry no message id, so the newest one is the best guess
  }

  function tz() { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { return ''; } }

  function hello() {
    ws.send(JSON.stringify({
      type: 'hello',
      conversation_id: getId(),
      context: { page_url: location.href, page_title: document.title, locale: navigator.language, timezone: tz() }
    }));
  }

  function setStatus(t) { status.textContent = t; }

  function connect() {
    if (ws || timer) return; // already connected, connecting, or waiting to retry
    setStatus(retry ? 'Reconnecting\u2026' : 'Connecting\u2026');
    try { ws = new WebSocket(URL_); } catch (e) { ws = null; return retryLater(); }
    ws.onopen = hello;
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (m && typeof m === 'object') onFrame(m);
    };
    ws.onclose = function () { ws = null; live = false; typing.hidden = true; retryLater(); };
  }

  function retryLater() {
    var delay = Math.min(30000, 1000 * Math.pow(2, retry++));
    setStatus(navigator.onLine === false ? 'Offline \u2013 waiting for network\u2026' : 'Reconnecting\u2026');
    timer = setTimeout(function () { timer = 0; connect(); }, delay);
  }

  function onFrame(m) {
    switch (m.type) {
      case 'welcome':
        live = true;
        retry = 0; // reset only here: a server that accepts then drops us should still back off
        setStatus('');
        // Remember the id only once the conversation has content: an id for a chat that was
        // opened and never used is unknown to the server after a reload.
        cid = typeof m.conversation_id === 'string' ? m.conversation_id : null;
        if (cid && Array.isArray(m.history) && m.history.length) setId(cid);
        // History is the server's truth; re-render it whole so reconnects never duplicate.
        log.textContent = '';
        typing.hidden = true;
        (Array.isArray(m.history) ? m.history : []).forEach(function (h) {
          if (h && h.type === 'user') addUser(h.text, h.ts);
          else if (h && h.type === 'bot') addBot(h, true);
        });
        if (m.notice) sys(String(m.notice));
        queue.splice(0).forEach(function (q) { q.el = addUser(q.f.text); transmit(q); });
        break;
      case 'bot':
        typing.hidden = true;
        addBot(m);
        break;
      case 'user':
        if (m.text != null) addUser(m.text, m.ts);
        break;
      case 'typing':
        typing.hidden = !m.on;
        break;
      case 'error':
        if (m.code === 'not_started') {
          // Server lost our session without closing the socket: say hello again and resend.
          if (lastSent) queue.push(lastSent);
          lastSent = null;
          live = false;
          return hello();
        }
        sys(String(m.message || 'Something went wrong.'), true);
        if ((m.code === 'message_too_long' || m.code === 'empty_message') && lastSent) {
          // Nothing reached the bot: drop the bubble, give the text back to the customer.
          lastSent.el.remove();
          if (!input.value) { input.value = lastSent.f.text; fit(); }
          lastSent = null;
        }
        break;
      // Unknown types are ignored so the server can add new ones safely.
    }
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    unread(false);
    connect();
    log.scrollTop = log.scrollHeight; // a hidden panel has no layout, so earlier scrolls did nothing
    input.focus();
  }

  function close(fromUi) {
    var hadFocus = root.activeElement; // don't steal focus from the page on a scripted close
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    if (fromUi || hadFocus) launcher.focus();
  }

  window.addEventListener('online', function () {
    if (live) return setStatus('');
    if (timer) { clearTimeout(timer); timer = 0; retry = 0; connect(); }
  });
  window.addEventListener('offline', function () { if (status) setStatus('Offline'); });

  // async scripts can run before <body> exists.
  var pending = [];
  function whenReady(fn) { if (root) fn(); else pending.push(fn); }
  function start() {
    build();
    if (getId()) connect(); // resume an existing conversation even before the panel is opened
    pending.splice(0).forEach(function (fn) { fn(); });
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);

  window.SupportChat = {
    loaded: true,
    open: function () { whenReady(open); },
    close: function () { whenReady(function () { close(false); }); },
    send: function (text) { whenReady(function () { open(); send(text); }); }
  };
})();
