/* The chat panel and its connection, fetched by widget.js (the loader) when the chat opens or a
 * conversation is restored. Protocol: docs/widget-protocol.md. Every piece of text from the
 * customer, the bot, a help-centre document or an agent reaches the page through textContent or
 * a text node; nothing here parses HTML. */
(function () {
  'use strict';
  var T = {
    en: {
      close: 'Close chat', send: 'Send', message: 'Message', placeholder: 'Type your message\u2026',
      log: 'Conversation', you: 'You:', bot: 'Assistant:', team: 'support team', typing: 'Typing\u2026',
      connecting: 'Connecting\u2026', reconnecting: 'Connection lost. Reconnecting\u2026',
      offline: 'You are offline. Waiting for the network\u2026', retry: 'Retry now',
      human: 'Talk to a person', sources: 'Sources:', helpful: 'Was this helpful?', yes: 'Helpful',
      no: 'Not helpful', rate: 'Send rating', rated: 'Thanks for your rating!', tooLong: 'Message is too long (max {n} characters).',
      failed: 'Something went wrong.'
    },
    de: {
      close: 'Chat schließen', send: 'Senden', message: 'Nachricht', placeholder: 'Nachricht eingeben\u2026',
      log: 'Unterhaltung', you: 'Sie:', bot: 'Assistent:', team: 'Support-Team', typing: 'Schreibt\u2026',
      connecting: 'Verbinde\u2026', reconnecting: 'Verbindung unterbrochen. Neuer Versuch\u2026',
      offline: 'Sie sind offline. Warte auf das Netz\u2026', retry: 'Jetzt versuchen',
      human: 'Mit einem Menschen sprechen', sources: 'Quellen:', helpful: 'War das hilfreich?', yes: 'Hilfreich',
      no: 'Nicht hilfreich', rate: 'Bewertung senden', rated: 'Danke für Ihre Bewertung!',
      tooLong: 'Die Nachricht ist zu lang (höchstens {n} Zeichen).', failed: 'Etwas ist schiefgegangen.'
    }
  };
  var MAX = 4000;

  var CSS_TEXT = [
    '*{box-sizing:border-box}',
    ':focus-visible{outline:2px solid var(--c);outline-offset:2px}',
    'button,textarea,input{font:inherit;color:inherit}',
    '.sr,.rb input{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
    '.p{position:fixed;z-index:2147483000;right:20px;bottom:88px;width:370px;height:min(600px,calc(100vh - 108px));' +
      'background:#fff;border-radius:12px;box-shadow:0 8px 30px #0003;display:flex;flex-direction:column;overflow:hidden}',
    '.left .p{right:auto;left:20px}',
    'header{display:flex;align-items:center;gap:8px;padding:10px 10px 10px 14px;background:var(--c);color:var(--f)}',
    'h2{flex:1;margin:0;font-size:15px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    'header button{background:none;border:0;color:inherit;cursor:pointer;font-size:24px;line-height:1;padding:2px 6px}',
    'header :focus-visible{outline-color:var(--f)}',
    '.st{display:flex;align-items:center;gap:8px;padding:4px 14px;font-size:12px;background:#fff3bf;color:#5c3c00}',
    '.st:empty{display:none}.st button{border:0;background:none;text-decoration:underline;cursor:pointer;padding:0}',
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}',
    '.m{max-width:88%;display:flex;flex-direction:column;align-items:flex-start;gap:4px}',
    '.m.c{align-self:flex-end;align-items:flex-end}',
    '.b{padding:8px 12px;border-radius:12px;background:#f1f3f5;overflow-wrap:anywhere;max-width:100%}',
    '.b>:first-child{margin-top:0}.b>:last-child{margin-bottom:0}.b p,.b ul,.b ol,.b pre{margin:6px 0}',
    '.b ul,.b ol{padding-left:20px}.b code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#0000000d;padding:0 3px;border-radius:3px}',
    '.b pre{white-space:pre-wrap;background:#0000000d;padding:6px;border-radius:6px}.b pre code{background:none;padding:0}',
    '.b a{color:inherit}.u{white-space:pre-wrap}',
    '.c .b{background:var(--c);color:var(--f)}.pending{opacity:.6}',
    '.n,.src,.t,.sys{font-size:12px;color:#495057}.n{font-weight:600}',
    '.sys{align-self:center;text-align:center}.err{color:#c92a2a}',
    '.qr,.fb{display:flex;flex-wrap:wrap;gap:6px;align-items:center}',
    '.qr button,.hu{padding:4px 12px;border:1px solid var(--c);border-radius:16px;background:#fff;color:var(--c);cursor:pointer}',
    '.qr button:disabled{opacity:.5;cursor:default}',
    '.fb button{display:grid;place-items:center;border:1px solid #ced4da;border-radius:12px;background:#fff;color:#495057;cursor:pointer;padding:3px 8px}',
    '.fb .dn svg{transform:rotate(180deg)}',
    '.fb [aria-pressed=true]{border-color:var(--c);background:#e7f5ff}',
    '.src ul{margin:2px 0 0;padding-left:18px}.src a{color:var(--c)}',
    '.sv{border:1px solid #dee2e6;border-radius:10px;padding:8px 10px;margin:0;display:flex;flex-direction:column;gap:8px;min-width:0}',
    '.sv legend{padding:0 4px}.rb{display:flex;gap:4px;flex-wrap:wrap}.rb label{position:relative}',
    '.rb span{display:grid;place-items:center;min-width:34px;height:34px;border:1px solid var(--c);border-radius:8px;cursor:pointer;color:var(--c)}',
    '.rb input:checked+span{background:var(--c);color:var(--f)}.rb input:focus-visible+span{outline:2px solid var(--c);outline-offset:2px}',
    '.sv textarea{width:100%;height:60px;resize:vertical;border:1px solid #ced4da;border-radius:6px;padding:6px}',
    '.sv button{align-self:flex-start;border:0;border-radius:8px;padding:6px 12px;background:var(--c);color:var(--f);cursor:pointer}',
    '.sv button:disabled{opacity:.5;cursor:default}',
    '.t{padding:0 14px 6px}.t i{display:inline-block;width:5px;height:5px;margin-left:3px;border-radius:50%;background:#868e96;animation:d 1s infinite alternate}',
    '.t i:nth-child(2){animation-delay:.3s}.t i:nth-child(3){animation-delay:.6s}@keyframes d{to{opacity:.2}}',
    '@media (prefers-reduced-motion:reduce){.t i{animation:none}}',
    '.hb{padding:0 10px 4px}.hu{font-size:12px}',
    'form.f{display:flex;gap:8px;padding:8px 10px 10px;border-top:1px solid #e9ecef}',
    '.f textarea{flex:1;resize:none;height:42px;max-height:120px;padding:10px;border:1px solid #ced4da;border-radius:8px;line-height:20px;background:#fff}',
    '.f button{border:0;border-radius:8px;padding:0 14px;background:var(--c);color:var(--f);font-weight:600;cursor:pointer}',
    // Below 480 px a floating panel leaves no room to read: full screen. 16 px input text keeps
    // iOS Safari from zooming the page on focus; the launcher would cover Send.
    '@media (max-width:479.98px){.p,.left .p{inset:0;width:auto;height:auto;border-radius:0}.f textarea{font-size:16px}.o .l{display:none}}'
  ].join('');

  function mount(ctx) {
    var t = T[ctx.lang] || T.en, root = ctx.root;
    var panel, log, typing, status, input, first, last, said = '';
    // Below 480 px the panel covers the page: a modal dialog there, a side panel elsewhere.
    var small = window.matchMedia && matchMedia('(max-width:479.98px)');
    var ws = null, live = false, queue = [], lastSent = null, tries = 0, timer = 0, cid = null, unseen = 0;

    // The only way content reaches the DOM: textContent, never HTML parsing.
    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }
    function attrs(e, a) { for (var k in a) e.setAttribute(k, a[k]); return e; }
    function button(text, cls, label) {
      var b = attrs(el('button', cls, text), { type: 'button' });
      if (label) b.setAttribute('aria-label', label);
      return b;
    }

    function build() {
      ctx.sheet(CSS_TEXT);
      panel = attrs(el('div', 'p'), { id: 'p', role: 'dialog', 'aria-labelledby': 'h' });
      panel.hidden = true;
      var head = el('header'), x = first = button('\u00d7', '', t.close);
      x.onclick = function () { close(true); };
      head.append(attrs(el('h2', '', ctx.title), { id: 'h' }), x);

      status = attrs(el('div', 'st'), { role: 'status' }); // stays in the DOM so screen readers hear changes
      log = attrs(el('div', 'log'), { role: 'log', 'aria-live': 'polite', 'aria-label': t.log, tabindex: '0' });
      typing = el('div', 't', t.typing);
      typing.append(el('i'), el('i'), el('i'));
      typing.hidden = true;

      var human = button(t.human, 'hu'), row = el('div', 'hb');
      human.onclick = function () { send(t.human, '/human'); };
      row.append(human);

      var form = el('form', 'f'), go = last = attrs(el('button', '', t.send), { type: 'submit' });
      input = attrs(el('textarea'), { maxlength: MAX, rows: 1, placeholder: t.placeholder, 'aria-label': t.message });
      form.append(input, go);
      form.onsubmit = function (e) { e.preventDefault(); submit(); };
      input.oninput = fit;
      input.onkeydown = function (e) {
        // Enter also confirms IME candidates (CJK input); don't send those (229 = Safari's variant).
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
      };
      panel.onkeydown = function (e) {
        if (e.key === 'Escape') { e.stopPropagation(); close(true); }
        if (e.key !== 'Tab' || !modal()) return;
        // Full screen, Tab would wander into the page hidden behind: keep it in the dialog.
        var to = e.shiftKey ? (root.activeElement === first && last) : (root.activeElement === last && first);
        if (to) { e.preventDefault(); to.focus(); }
      };
      panel.append(head, status, log, typing, row, form);
      ctx.wrap.prepend(panel);
    }

    function modal() { return !!(small && small.matches); }

    function fit() {
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
    }

    function add(node) { log.append(node); log.scrollTop = log.scrollHeight; return node; }
    function sys(text, err) { add(el('div', 'sys' + (err ? ' err' : ''), text)); }
    function when(node, ts) {
      if (typeof ts === 'number') node.title = new Date(ts * 1000).toLocaleString(ctx.lang);
      return node;
    }

    // --- A small Markdown subset: paragraphs, lists, headings as bold lines, ``` blocks,
    // `code`, **strong**, *em* / _em_, [links](https://...) and bare http(s) addresses.
    function md(text) {
      var out = document.createDocumentFragment(), p = null, list = null, code = null;
      String(text).split(/\r?\n/).forEach(function (line) {
        if (code) {
          if (/^\s*```/.test(line)) code = null;
          else code.textContent += (code.textContent ? '\n' : '') + line;
          return;
        }
        if (/^\s*```/.test(line)) {
          p = list = null;
          var pre = el('pre');
          pre.append(code = el('code'));
          return out.append(pre);
        }
        var item = /^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
        if (item) {
          var tag = item[1] ? 'UL' : 'OL';
          if (!list || list.tagName !== tag) {
            out.append(list = el(tag));
            if (item[2] && item[2] !== '1') list.start = +item[2];
          }
          p = null;
          return list.append(inline(el('li'), item[3]));
        }
        if (!line.trim()) { p = list = null; return; }
        if (list && /^\s{2,}\S/.test(line)) return inline(list.lastChild, ' ' + line.trim()); // wrapped item
        var head = /^#{1,6}\s+(.*)$/.exec(line);
        list = null;
        if (head) {
          var hp = el('p'), strong = el('strong');
          hp.append(strong);
          out.append(hp);
          p = null;
          return inline(strong, head[1]);
        }
        if (p) p.append(el('br'));
        else out.append(p = el('p'));
        inline(p, line.trim());
      });
      return out;
    }

    var INLINE = /`([^`\n]+)`|\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)|\*\*(\S(?:[^*\n]*\S)?)\*\*|\*(\S(?:[^*\n]*\S)?)\*|_(\S(?:[^_\n]*\S)?)_(?!\w)|((?:https?:\/\/|mailto:)[^\s<>"]*[^\s<>".,;:!?'()[\]])/g;

    function inline(into, text) {
      var at = 0, m;
      INLINE.lastIndex = 0;
      var found = [];
      while ((m = INLINE.exec(text))) {
        // snake_case is not emphasis: an underscore inside a word stays text.
        if (m[6] && m.index && /\w/.test(text[m.index - 1])) { INLINE.lastIndex = m.index + 1; continue; }
        found.push(m);
      }
      found.forEach(function (m) {
        if (m.index > at) into.append(document.createTextNode(text.slice(at, m.index)));
        at = m.index + m[0].length;
        if (m[1]) into.append(el('code', '', m[1]));
        else if (m[2]) into.append(link(m[3], m[2]) || document.createTextNode(m[0]));
        else if (m[4]) into.append(inline(el('strong'), m[4]));
        else if (m[5] || m[6]) into.append(inline(el('em'), m[5] || m[6]));
        else into.append(link(m[7], m[7].replace(/^mailto:/, '')) || document.createTextNode(m[0]));
      });
      if (at < text.length) into.append(document.createTextNode(text.slice(at)));
      return into;
    }

    // Only http(s) and mailto links: javascript:, data: and relative addresses stay plain text.
    function link(url, text) {
      var u;
      try { u = new URL(url); } catch (e) { return null; }
      if (!/^(https?|mailto):$/.test(u.protocol)) return null;
      return attrs(el('a', '', text), { href: u.href, target: '_blank', rel: 'noopener noreferrer' });
    }

    // --- Messages.
    function addUser(text, ts) {
      // Once the customer has said anything, earlier quick replies are stale.
      root.querySelectorAll('.qr button').forEach(function (b) { b.disabled = true; });
      var w = el('div', 'm c'), b = when(el('div', 'b u'), ts);
      b.append(el('span', 'sr', t.you + ' '), document.createTextNode(String(text)));
      w.append(b);
      return add(w);
    }

    // Bot or agent message: label, text, quick replies, sources, thumbs, survey.
    // old = from history (no unread badge).
    function addBot(m, old) {
      var s = m.sender || {}, w = el('div', 'm');
      if (s.kind === 'agent') w.append(el('div', 'n', String(s.name || '') + ' \u00b7 ' + t.team));
      else w.append(el('span', 'sr', t.bot));
      var sv = m.survey && typeof m.survey === 'object' ? m.survey : null;
      // A survey's text is its question, which the survey shows itself.
      if (m.text != null && m.text !== '' && !(sv && m.text === sv.question)) {
        var b = when(el('div', 'b'), m.ts);
        b.append(md(m.text));
        w.append(b);
      }

      var row = el('div', 'qr');
      (Array.isArray(m.buttons) ? m.buttons : []).forEach(function (q) {
        if (!q || q.title == null) return;
        var k = button(String(q.title));
        k.onclick = function () { send(String(q.title), q.payload); }; // send() disables the row via addUser
        row.append(k);
      });
      if (row.firstChild) w.append(row);

      var ul = el('ul');
      (Array.isArray(m.citations) ? m.citations : []).forEach(function (c) {
        var title = c && String(c.title || c.url || '');
        if (!title) return;
        var li = el('li');
        li.append(link(String(c.url || ''), title) || document.createTextNode(title));
        ul.append(li);
      });
      if (ul.firstChild) {
        var src = el('div', 'src', t.sources);
        src.append(ul);
        w.append(src);
      }
      if (typeof m.answer_id === 'string' && m.answer_id) w.append(thumbs(m.answer_id, m.feedback));
      if (sv) w.append(survey(sv, m.survey_done === true));

      if (w.childNodes.length < 2) return; // nothing but the label
      add(w);
      if (!old && panel.hidden) ctx.unread(++unseen);
    }

    // Thumbs up/down on one answer; the latest click counts, so a customer can change their mind.
    function thumbs(id, given) {
      var row = attrs(el('div', 'fb'), { role: 'group', 'aria-label': t.helpful });
      [true, false].forEach(function (up) {
        var b = attrs(button('', up ? '' : 'dn', up ? t.yes : t.no), { 'aria-pressed': String(given === up) });
        b.append(thumb());
        b.onclick = function () {
          row.querySelectorAll('button').forEach(function (o) { o.setAttribute('aria-pressed', String(o === b)); });
          frame({ type: 'feedback', answer_id: id, helpful: up });
        };
        row.append(b);
      });
      return row;
    }

    function thumb() {
      var ns = 'http://www.w3.org/2000/svg', s = document.createElementNS(ns, 'svg'), p = document.createElementNS(ns, 'path');
      attrs(s, { viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': 'true', 'class': 'i' });
      attrs(p, { fill: 'currentColor', d: 'M2 10h4v11H2zm6 11h9.5a2 2 0 0 0 1.9-1.4l2.3-7a2 2 0 0 0-1.9-2.6H14l1-5a2 2 0 0 0-3.6-1.4L8 9z' });
      s.append(p);
      return s;
    }

    function num(v, fallback) { return typeof v === 'number' && isFinite(v) ? Math.round(v) : fallback; }

    // Satisfaction survey: a native radio group (arrow keys work as screen readers expect), an
    // optional comment, Submit. Answered surveys (history) are shown as done.
    function survey(sv, done) {
      var box = el('fieldset', 'sv'), name = 'r' + Math.random().toString(36).slice(2);
      box.append(el('legend', '', String(sv.question || '')));
      if (done) {
        box.append(el('div', 'n', t.rated));
        return box;
      }
      var group = attrs(el('div', 'rb'), { role: 'radiogroup', 'aria-label': String(sv.question || '') });
      var lo = num(sv.scale_min, 1), hi = num(sv.scale_max, 5), note = null, go = button(t.rate);
      go.disabled = true;
      for (var v = lo; v <= hi && v - lo < 11; v++) {
        var label = el('label'), r = attrs(el('input'), { type: 'radio', name: name, value: v });
        r.onchange = function () { go.disabled = false; };
        label.append(r, el('span', '', String(v)));
        group.append(label);
      }
      box.append(group);
      if (sv.comment_prompt) {
        var l = el('label', 'n', String(sv.comment_prompt));
        note = attrs(el('textarea'), { maxlength: Math.max(1, num(sv.comment_max_chars, 500)), rows: 2 });
        l.append(note);
        box.append(l);
      }
      go.onclick = function () {
        var picked = box.querySelector('input:checked');
        if (!picked) return;
        var comment = note && note.value.trim();
        frame({ type: 'csat', survey_id: String(sv.id), rating: +picked.value, comment: comment || null });
        box.disabled = true;
        box.append(el('div', 'n', t.rated));
      };
      box.append(go);
      return box;
    }

    // --- Sending.
    function submit() {
      if (send(input.value)) { input.value = ''; fit(); }
    }

    // Renders the customer's message right away; sends it now or queues it until the next welcome.
    function send(text, payload) {
      text = String(text == null ? '' : text).trim();
      if (!text) return false;
      if (text.length > MAX) { sys(t.tooLong.replace('{n}', MAX), true); return false; }
      var f = { type: 'message', text: text };
      if (typeof payload === 'string') f.payload = payload;
      var item = { f: f, el: addUser(text) };
      if (current()) transmit(item);
      else { item.el.classList.add('pending'); queue.push(item); connect(); }
      return true;
    }

    // Feedback and ratings wait for the connection like messages do.
    function frame(f) {
      var item = { f: f };
      if (current()) transmit(item);
      else { queue.push(item); connect(); }
    }

    function transmit(item) {
      ws.send(JSON.stringify(item.f));
      if (!item.el) { lastSent = null; return; } // a rating or thumb: an error then is not about a message
      if (cid) ctx.setId(cid); // remembered once it has content, see welcome
      item.el.classList.remove('pending');
      lastSent = item; // errors carry no message id, so the newest one is the best guess
    }

    function context() {
      var c = { page_url: location.href, page_title: document.title, locale: ctx.locale, timezone: '' };
      try { c.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* old browsers */ }
      if (ctx.customerId) c.customer_id = String(ctx.customerId);
      if (ctx.customerEmail) c.customer_email = String(ctx.customerEmail);
      return c;
    }

    // A single-page site may have changed its address or title since the hello: say hello again
    // first (the item waits in the queue for the welcome), so the context sent is the page's now.
    function current() {
      if (live && said !== location.href + '\n' + document.title) { live = false; hello(); }
      return live;
    }

    function hello() {
      said = location.href + '\n' + document.title;
      ws.send(JSON.stringify({ type: 'hello', conversation_id: ctx.getId(), context: context() }));
    }

    // --- Connection: opened on first use, kept open, re-opened with backoff when it drops.
    function setStatus(text, retry) {
      status.textContent = text;
      if (!retry) return;
      var b = button(t.retry);
      b.onclick = function () { clearTimeout(timer); timer = 0; connect(); };
      status.append(b);
    }

    function connect() {
      if (ws || timer) return; // already connected, connecting, or waiting to retry
      setStatus(tries ? t.reconnecting : t.connecting);
      try { ws = new WebSocket(ctx.ws); } catch (e) { ws = null; return later(); }
      ws.onopen = hello;
      ws.onmessage = function (e) {
        var m;
        try { m = JSON.parse(e.data); } catch (err) { return; }
        if (m && typeof m === 'object') onFrame(m);
      };
      ws.onclose = function () { ws = null; live = false; typing.hidden = true; later(); };
    }

    // Exponential backoff with jitter: a restarted server is not hit by every widget at once.
    function later() {
      var cap = Math.min(30000, 1000 * Math.pow(2, tries++));
      setStatus(navigator.onLine === false ? t.offline : t.reconnecting, true);
      timer = setTimeout(function () { timer = 0; connect(); }, cap / 2 + Math.random() * cap / 2);
    }

    function onFrame(m) {
      switch (m.type) {
        case 'welcome':
          live = true;
          tries = 0; // reset only here: a server that accepts then drops us should still back off
          setStatus('');
          // Remember the id only once the conversation has content: an id for a chat that was
          // opened and never used is unknown to the server after a reload.
          cid = typeof m.conversation_id === 'string' ? m.conversation_id : null;
          var history = Array.isArray(m.history) ? m.history : [];
          if (cid && history.length) ctx.setId(cid);
          // History is the server's truth; re-render it whole so reconnects never duplicate.
          log.textContent = '';
          typing.hidden = true;
          history.forEach(function (h) {
            if (h && h.type === 'user') addUser(h.text, h.ts);
            else if (h && h.type === 'bot') addBot(h, true);
          });
          if (m.notice) sys(String(m.notice));
          queue.splice(0).forEach(function (q) { if (q.el) q.el = addUser(q.f.text); transmit(q); });
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
          if (m.on) log.scrollTop = log.scrollHeight;
          break;
        case 'error':
          if (m.code === 'not_started') {
            // Server lost our session without closing the socket: say hello again and resend.
            if (lastSent) queue.push(lastSent);
            lastSent = null;
            live = false;
            return hello();
          }
          sys(String(m.message || t.failed), true);
          if ((m.code === 'message_too_long' || m.code === 'empty_message' || m.code === 'rate_limited') &&
              lastSent) {
            // Nothing reached the bot: drop the bubble, give the text back to the customer.
            lastSent.el.remove();
            if (!input.value) { input.value = lastSent.f.text; fit(); }
            lastSent = null;
          }
          break;
        // Unknown types are ignored so the server can add new ones safely.
      }
    }

    // --- Opening and closing.
    function open() {
      panel.hidden = false;
      panel.setAttribute('aria-modal', String(modal()));
      ctx.wrap.classList.add('o');
      ctx.launcher.setAttribute('aria-expanded', 'true');
      ctx.unread(unseen = 0);
      connect();
      log.scrollTop = log.scrollHeight; // a hidden panel has no layout, so earlier scrolls did nothing
      input.focus();
    }

    function close(fromUi) {
      var hadFocus = root.activeElement; // don't steal focus from the page on a scripted close
      panel.hidden = true;
      ctx.wrap.classList.remove('o');
      ctx.launcher.setAttribute('aria-expanded', 'false');
      if (fromUi || hadFocus) ctx.launcher.focus();
    }

    window.addEventListener('online', function () {
      if (live) return setStatus('');
      if (timer) { clearTimeout(timer); timer = 0; connect(); }
    });
    window.addEventListener('offline', function () { if (!live) setStatus(t.offline, !!timer); });
    window.addEventListener('storage', function (e) {
      // Another tab stored a conversation while this one has none of its own yet: join it.
      if (e.key === 'supportchat.conversation_id' && e.newValue && e.newValue !== cid && live && !log.querySelector('.m')) hello();
    });

    build();
    if (ctx.getId()) connect(); // resume an existing conversation before the panel is opened
    return {
      open: open,
      close: function () { close(false); },
      toggle: function () { if (panel.hidden) open(); else close(true); },
      send: function (text) { open(); send(text); },
      context: function () { if (live) hello(); }
    };
  }

  var S = window.SupportChat;
  if (S && S._boot) S._boot(mount);
})();
