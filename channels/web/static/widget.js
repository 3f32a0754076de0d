/* Support chat loader: the launcher button and its unread badge, nothing else (docs/widget.md).
 *   <script async src="https://bot.example.com/webhooks/webchat/static/widget.js" data-title="Help"></script>
 * The panel and the connection (chat.js, beside this file) are fetched only when the chat opens,
 * or at once when this browser already has a conversation, so it can be restored and new messages
 * can raise the badge. A page that never opens the chat pays for this file alone. */
(function () {
  'use strict';
  var S = window.SupportChat;
  if (S && S.loaded) return; // a second copy of the tag does nothing
  // Settings the page may set before the tag: window.SupportChat = {locale: 'de', customerId: '42'}.
  var opts = S && typeof S === 'object' ? S : {};

  // currentScript is only set while this file first runs, so capture it now.
  var script = document.currentScript || document.querySelector('script[src*="/webchat/static/widget.js"]');
  var data = (script && script.dataset) || {};
  var KEY = 'supportchat.conversation_id';

  // Supported languages; the rest of the strings live in chat.js.
  var WORDS = { en: ['Open chat', 'new'], de: ['Chat öffnen', 'neu'] };
  var locales = [opts.locale, data.locale, document.documentElement.lang]
    .concat(navigator.languages || [navigator.language])
    .filter(function (l) { return typeof l === 'string' && l; });
  var lang = 'en';
  for (var i = 0; i < locales.length; i++) {
    var primary = locales[i].toLowerCase().split(/[-_]/)[0];
    if (WORDS[primary]) { lang = primary; break; }
  }

  var server = serverBase();
  var ctx = {
    lang: lang,
    locale: locales[0] || lang, // what the page said, even in a language we have no strings for
    title: String(opts.title || data.title || 'Support').slice(0, 80),
    ws: wsUrl(server),
    customerId: opts.customerId || data.customerId,
    customerEmail: opts.customerEmail || data.customerEmail,
    getId: getId,
    setId: setId,
    sheet: sheet,
    unread: unread
  };
  var host, root, launcher, badge, chat = null, loading = false, calls = [];

  // The server the files came from; data-server when the script is served from elsewhere.
  function serverBase() {
    var src = script && script.src, base = data.server;
    if (!base && src) {
      // Keep any path prefix the server is mounted under (e.g. /rasa/webhooks/...).
      var at = src.indexOf('/webhooks/webchat/');
      base = at > 0 ? src.slice(0, at) : new URL(src).origin;
    }
    return new URL((base || location.origin).replace(/\/+$/, '') + '/webhooks/webchat/', location.href).href;
  }

  function wsUrl(base) {
    var u = new URL('ws', base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.href;
  }

  // localStorage throws in some privacy modes; the chat still works, just without resume.
  function getId() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function setId(v) { try { localStorage.setItem(KEY, v); } catch (e) { /* not kept across reloads */ } }

  // A constructed stylesheet passes a page's CSP without 'unsafe-inline'; <style> is the fallback.
  function sheet(text) {
    try {
      var s = new CSSStyleSheet();
      s.replaceSync(text);
      root.adoptedStyleSheets = root.adoptedStyleSheets.concat(s);
    } catch (e) {
      var st = document.createElement('style');
      st.textContent = text;
      root.prepend(st);
    }
  }

  function colour(value, fallback) {
    return value && window.CSS && CSS.supports('color', value) ? value : fallback;
  }

  function build() {
    host = document.createElement('support-chat');
    // Inline !important beats any page rule aimed at the host, and `all` stops inherited page
    // fonts and colours here; inside the shadow root page styles cannot reach at all.
    host.style.cssText = 'all:initial!important';
    root = host.attachShadow({ mode: 'open' });
    sheet(
      '.w{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529}' +
      '[hidden]{display:none!important}' +
      '.l{position:fixed;z-index:2147483000;right:20px;bottom:20px;width:56px;height:56px;padding:0;border:0;' +
      'border-radius:50%;background:var(--c);color:var(--f);cursor:pointer;display:grid;place-items:center;' +
      'box-shadow:0 4px 12px #0004}.left .l{right:auto;left:20px}' +
      '.l:focus-visible{outline:3px solid var(--c);outline-offset:3px}.l[aria-busy=true] svg{opacity:.6}' +
      '.bd{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;' +
      'background:#c92a2a;color:#fff;font:700 12px/20px system-ui,sans-serif;box-sizing:border-box}'
    );
    var wrap = document.createElement('div');
    wrap.className = 'w' + (/left/i.test(data.position || '') ? ' left' : '');
    // Custom properties on an element inside the shadow root: the page cannot override them.
    wrap.style.setProperty('--c', colour(data.color, '#3b5bdb'));
    wrap.style.setProperty('--f', colour(data.textColor, '#fff'));
    launcher = document.createElement('button');
    launcher.className = 'l';
    launcher.type = 'button';
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'p');
    launcher.append(icon());
    badge = document.createElement('span');
    badge.className = 'bd';
    badge.setAttribute('aria-hidden', 'true'); // the launcher's label says it
    launcher.append(badge);
    launcher.onclick = function () { call('toggle', []); };
    // The pointer on its way to the button or Tab onto it: fetch the panel a moment early.
    launcher.onpointerenter = launcher.onfocus = load;
    wrap.append(launcher);
    root.append(wrap);
    ctx.host = host;
    ctx.root = root;
    ctx.wrap = wrap;
    ctx.launcher = launcher;
    unread(0);
    document.body.append(host);
  }

  function icon() {
    var ns = 'http://www.w3.org/2000/svg', s = document.createElementNS(ns, 'svg'), p = document.createElementNS(ns, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', '28');
    s.setAttribute('height', '28');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('class', 'i');
    p.setAttribute('fill', 'currentColor');
    p.setAttribute('d', 'M6 3h12a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-8l-5 4v-4H6a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z');
    s.append(p);
    return s;
  }

  function unread(n) {
    badge.textContent = n > 9 ? '9+' : String(n);
    badge.hidden = !n;
    launcher.setAttribute('aria-label', WORDS[lang][0] + ': ' + ctx.title + (n ? ' (' + n + ' ' + WORDS[lang][1] + ')' : ''));
  }

  function load() {
    if (loading || !root) return;
    loading = true;
    launcher.setAttribute('aria-busy', 'true');
    var s = document.createElement('script');
    s.async = true;
    s.src = new URL('static/chat.js', server).href;
    if (script && script.nonce) s.nonce = script.nonce; // pages with a nonce-based CSP
    s.onerror = function () {
      // Let the next click try again; say nothing the customer cannot act on.
      loading = false;
      launcher.removeAttribute('aria-busy');
      s.remove();
    };
    document.head.append(s);
  }

  // Calls made before chat.js has arrived wait for it.
  function call(name, args) {
    calls.push([name, args]);
    if (chat) flush();
    else load();
  }
  function flush() {
    calls.splice(0).forEach(function (c) { chat[c[0]].apply(null, c[1]); });
  }

  window.addEventListener('storage', function (e) {
    // Another tab started a conversation: join it, so this tab shows its messages too.
    if (e.key === KEY && e.newValue) load();
  });

  function start() {
    build();
    if (getId() || calls.length) load();
  }

  window.SupportChat = {
    loaded: true,
    open: function () { call('open', []); },
    close: function () { if (chat) chat.close(); },
    send: function (text) { call('send', [text]); },
    // set({customerId, customerEmail}): sent with the conversation's context from now on.
    set: function (o) {
      if (o && 'customerId' in o) ctx.customerId = o.customerId;
      if (o && 'customerEmail' in o) ctx.customerEmail = o.customerEmail;
      if (chat) chat.context();
    },
    // chat.js calls this once, with its factory; not part of the public API.
    _boot: function (factory) {
      if (chat) return;
      chat = factory(ctx);
      launcher.removeAttribute('aria-busy');
      flush();
    }
  };
  if (typeof opts.onReady === 'function') opts.onReady(window.SupportChat);

  // async scripts can run before <body> exists.
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
