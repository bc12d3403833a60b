/* otpd.js: the session flow in a browser, as one script with no
   dependencies and no build step. otpd's hosted page (/hosted/{publicKey})
   mounts it; any site can too:

     <script src="https://otpd.example/static/otpd.js"></script>
     <div id="verify"></div>
     <script src="/your-page.js"></script>   // no inline script needed
       otpd.mount(document.getElementById("verify"), {
         publicKey: "otpd_live_pk_…",
         onVerified(token) { … send token to your server, which redeems it
                             with POST /v2/verify and the secret key … },
       });

   Options: publicKey and onVerified (required); baseUrl (otpd's address,
   default the origin this script came from); lang ("en" or "ru", default
   the page's or the browser's); locale (the language of the message with
   the code, default lang or the browser's); captchaScript (the CAPTCHA
   provider's script, default its own); headingLevel (default 2);
   autofocus; styles (false to skip loading otpd.css). mount returns
   {destroy()}.

   It speaks only the session flow (GET /v2/settings, GET /v2/channels,
   POST /v2/create, /v2/send, /v2/check) with the public key, and shows
   every error's message as the server wrote it (already in the asked
   language). The site's origin must be in the application's
   allowedOrigins when that list is set; a site with a Content-Security-
   Policy allows otpd's origin in script-src, style-src, img-src and
   connect-src (and its CAPTCHA provider's hosts, if the project has one). */
(function () {
  "use strict";

  if (window.otpd && typeof window.otpd.mount === "function") {
    return; // loaded twice
  }

  var scriptOrigin = document.currentScript && document.currentScript.src
    ? new URL(document.currentScript.src).origin
    : location.origin;

  var TEXTS = {
    en: {
      loading: "Loading…",
      titleAny: "Verify your phone or email",
      titlePhone: "Verify your phone number",
      titleEmail: "Verify your email",
      titleCode: "Enter the code",
      titleChoose: "Get a code",
      intro: "We will send you a one-time code.",
      toAny: "Phone number or email",
      toPhone: "Phone number",
      toEmail: "Email",
      hintAny: "A phone number with its country code (+44 7700 900123), or an email address.",
      hintPhone: "With its country code, for example +44 7700 900123.",
      hintEmail: "For example name@example.com.",
      needTo: "Enter where to send the code.",
      captcha: "Security check",
      needCaptcha: "Complete the security check first.",
      captchaLoad: "The security check could not be loaded. Reload the page to try again.",
      getCode: "Get a code",
      sentBy: "We sent a code by {channel} to {to}.",
      sentBefore: "We have sent a code to {to}.",
      choose: "Choose how to get a code for {to}.",
      code: "Code",
      codeDigits: "{length} digits",
      codeChars: "{length} letters and digits",
      codeLetters: "{length} letters",
      needCode: "Enter the code from the message.",
      verify: "Verify",
      resendTitle: "Didn’t get it? Get a code by:",
      channelsTitle: "Get a code by:",
      sentMark: "sent",
      waitFor: "{channel}: you can ask again in {seconds} seconds",
      readyAgain: "You can ask for a code by {channel} again.",
      connect: "Connect {channel}",
      attemptsLeft: "Attempts left: {n}.",
      changeAny: "Use another phone or email",
      changePhone: "Use another phone number",
      changeEmail: "Use another email",
      startOver: "Start over",
      verified: "Verified.",
      network: "Could not reach the server. Check your connection and try again.",
      failed: "Something went wrong. Please try again.",
      loadFailed: "The verification could not be loaded.",
      retry: "Try again"
    },
    ru: {
      loading: "Загрузка…",
      titleAny: "Подтвердите телефон или почту",
      titlePhone: "Подтвердите номер телефона",
      titleEmail: "Подтвердите почту",
      titleCode: "Введите код",
      titleChoose: "Получите код",
      intro: "Мы пришлём вам одноразовый код.",
      toAny: "Телефон или почта",
      toPhone: "Номер телефона",
      toEmail: "Почта",
      hintAny: "Номер телефона с кодом страны (+7 912 345-67-89) или адрес почты.",
      hintPhone: "С кодом страны, например +7 912 345-67-89.",
      hintEmail: "Например, name@example.com.",
      needTo: "Укажите, куда прислать код.",
      captcha: "Проверка безопасности",
      needCaptcha: "Сначала пройдите проверку безопасности.",
      captchaLoad: "Не удалось загрузить проверку безопасности. Обновите страницу и попробуйте снова.",
      getCode: "Получить код",
      sentBy: "Мы отправили код через {channel} на {to}.",
      sentBefore: "Мы уже отправили код на {to}.",
      choose: "Выберите, как получить код для {to}.",
      code: "Код",
      codeDigits: "Цифр: {length}",
      codeChars: "Букв и цифр: {length}",
      codeLetters: "Букв: {length}",
      needCode: "Введите код из сообщения.",
      verify: "Подтвердить",
      resendTitle: "Не пришёл? Получить код через:",
      channelsTitle: "Получить код через:",
      sentMark: "отправлен",
      waitFor: "{channel}: повторно можно через {seconds} с",
      readyAgain: "Можно снова запросить код через {channel}.",
      connect: "Подключить {channel}",
      attemptsLeft: "Осталось попыток: {n}.",
      changeAny: "Указать другой телефон или почту",
      changePhone: "Указать другой номер",
      changeEmail: "Указать другую почту",
      startOver: "Начать заново",
      verified: "Подтверждено.",
      network: "Не удалось связаться с сервером. Проверьте подключение и попробуйте снова.",
      failed: "Что-то пошло не так. Попробуйте ещё раз.",
      loadFailed: "Не удалось загрузить подтверждение.",
      retry: "Попробовать снова"
    }
  };

  // The CAPTCHA providers' browser widgets: their scripts and the global
  // each script defines.
  var CAPTCHAS = {
    turnstile: { script: "https://challenges.cloudflare.com/turnstile/v0/api.js", global: "turnstile" },
    recaptcha: { script: "https://www.google.com/recaptcha/api.js", global: "grecaptcha" },
    hcaptcha: { script: "https://js.hcaptcha.com/1/api.js", global: "hcaptcha" },
    smartcaptcha: { script: "https://smartcaptcha.yandexcloud.net/captcha.js", global: "smartCaptcha" }
  };

  // Channels that reach an email address; every other reaches a phone.
  var EMAIL_CHANNELS = ["email"];

  // A language tag fit for an Accept-Language header.
  var LOCALE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/;

  var mounted = 0;

  function pickLanguage(wanted) {
    var candidates = [wanted, document.documentElement.lang].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < candidates.length; i++) {
      var base = String(candidates[i] || "").toLowerCase().split("-")[0];
      if (base === "en" || base === "ru") {
        return base;
      }
    }
    return "en";
  }

  function format(text, params) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return params && name in params ? String(params[name]) : all;
    });
  }

  // h builds an element: h("p", {class: "x", text: "…"}, child, …).
  // Text is always set as text, never parsed as HTML.
  function h(tag, props) {
    var el = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) {
        return;
      }
      if (k === "text") {
        el.textContent = v;
      } else if (k.slice(0, 2) === "on") {
        el.addEventListener(k.slice(2), v);
      } else {
        el.setAttribute(k === "className" ? "class" : k, v === true ? "" : String(v));
      }
    });
    for (var i = 2; i < arguments.length; i++) {
      var kid = arguments[i];
      if (kid !== null && kid !== undefined && kid !== false) {
        el.append(kid);
      }
    }
    return el;
  }

  function minutes(seconds) {
    var s = Math.max(0, seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // loadCaptcha loads a provider's script once per page and resolves to
  // its global once the provider calls back.
  var captchaLoads = {};
  function loadCaptcha(provider, src, lang) {
    if (captchaLoads[provider]) {
      return captchaLoads[provider];
    }
    captchaLoads[provider] = new Promise(function (resolve, reject) {
      var callback = "otpdCaptchaReady_" + provider;
      window[callback] = function () {
        delete window[callback];
        resolve(window[CAPTCHAS[provider].global]);
      };
      var url = new URL(src, location.href);
      url.searchParams.set("render", provider === "smartcaptcha" ? "onload" : "explicit");
      url.searchParams.set("onload", callback);
      if (provider === "recaptcha" || provider === "hcaptcha") {
        url.searchParams.set("hl", lang);
      }
      var el = h("script", { src: url.href, async: true });
      el.addEventListener("error", function () {
        captchaLoads[provider] = null;
        delete window[callback];
        el.remove();
        reject(new Error("CAPTCHA script"));
      });
      document.head.append(el);
    });
    return captchaLoads[provider];
  }

  function Flow(root, options) {
    var id = "otpd-" + ++mounted + "-";
    this.root = root;
    this.key = String(options.publicKey);
    this.base = String(options.baseUrl || scriptOrigin).replace(/\/+$/, "");
    this.onVerified = options.onVerified;
    this.lang = pickLanguage(options.lang);
    this.t = function (name, params) {
      return format(TEXTS[this.lang][name] || TEXTS.en[name], params);
    };
    var locale = options.locale || (options.lang ? this.lang : navigator.language);
    this.acceptLanguage = this.lang;
    if (LOCALE_TAG.test(String(locale || "")) && locale.toLowerCase().split("-")[0] !== this.lang) {
      // The message's language first (the server writes the message with
      // the code in it), then the page's, for the server's own texts.
      this.acceptLanguage = locale + ", " + this.lang + ";q=0.9";
    } else if (LOCALE_TAG.test(String(locale || ""))) {
      this.acceptLanguage = locale;
    }
    this.captchaScript = options.captchaScript;
    this.autofocus = !!options.autofocus;
    this.headingLevel = Math.min(6, Math.max(1, Number(options.headingLevel) || 2));
    this.ids = {
      title: id + "title", to: id + "to", toHint: id + "to-hint", startAlert: id + "start-alert",
      code: id + "code", codeHint: id + "code-hint", codeAlert: id + "code-alert", channels: id + "channels"
    };
    this.timers = [];
    this.until = {}; // channel type → time (ms, performance.now) it may send again
    this.destroyed = false;
  }

  Flow.prototype.api = function (method, path, body, headers) {
    var self = this;
    var init = {
      method: method,
      headers: Object.assign({ "x-api-key": this.key, "Accept-Language": this.acceptLanguage, Accept: "application/json" }, headers || {}),
      credentials: "omit",
      cache: "no-store"
    };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(this.base + path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.ok && data) {
          return data;
        }
        var err = new Error(data && typeof data.message === "string" && data.message ? data.message : self.t("failed"));
        err.status = res.status;
        err.sys = data && data.sys_message;
        err.data = data || {};
        throw err;
      });
    }, function () {
      var err = new Error(self.t("network"));
      err.network = true;
      throw err;
    });
  };

  Flow.prototype.start = function () {
    var self = this;
    this.root.replaceChildren(h("p", { className: "otpd-loading", role: "status", text: this.t("loading") }));
    Promise.all([this.api("GET", "/v2/settings"), this.api("GET", "/v2/channels")]).then(function (got) {
      if (self.destroyed) {
        return;
      }
      self.settings = got[0];
      var types = (Array.isArray(got[1]) ? got[1] : []).map(function (c) { return c.type; });
      var email = types.some(function (t) { return EMAIL_CHANNELS.indexOf(t) >= 0; });
      var phone = types.some(function (t) { return EMAIL_CHANNELS.indexOf(t) < 0; });
      self.reach = email && !phone ? "Email" : phone && !email ? "Phone" : "Any";
      self.build();
      self.showStart("");
    }, function (err) {
      if (self.destroyed) {
        return;
      }
      self.root.replaceChildren(h("section", { className: "otpd" },
        h("p", { className: "otpd-alert", role: "alert", text: self.t("loadFailed") + " " + err.message }),
        h("button", { type: "button", className: "otpd-button", text: self.t("retry"), onclick: function () { self.start(); } })));
    });
  };

  // build lays out the flow once: a start step (destination and CAPTCHA)
  // and a code step (code and channels), shown one at a time, so that the
  // CAPTCHA widget's frame is never moved (moving a frame reloads it).
  Flow.prototype.build = function () {
    var self = this, t = this.t.bind(this), ids = this.ids, s = this.settings;
    var project = s && s.project && s.project.name;

    this.toInput = h("input", {
      id: ids.to, name: "to", className: "otpd-input", required: true,
      type: this.reach === "Phone" ? "tel" : this.reach === "Email" ? "email" : "text",
      autocomplete: this.reach === "Phone" ? "tel" : this.reach === "Email" ? "email" : "username",
      inputmode: this.reach === "Phone" ? "tel" : this.reach === "Email" ? "email" : null,
      autocapitalize: "off", spellcheck: "false", "aria-describedby": ids.toHint + " " + ids.startAlert,
      oninput: function () { self.toInput.removeAttribute("aria-invalid"); }
    });
    this.startAlert = h("p", { id: ids.startAlert, className: "otpd-alert", role: "alert" });
    this.startButton = h("button", { type: "submit", className: "otpd-button", text: t("getCode") });
    var challenge = s && s.challenge && s.challenge.enabled ? s.challenge : null;
    this.captchaBox = challenge ? h("div", { className: "otpd-captcha", "data-otpd-captcha": "pending", role: "group", "aria-label": t("captcha") }) : null;
    this.startStep = h("form", { className: "otpd-form", novalidate: true, onsubmit: function (e) { e.preventDefault(); self.create(); } },
      h("p", { className: "otpd-lead", text: t("intro") }),
      h("div", { className: "otpd-field" },
        h("label", { className: "otpd-label", for: ids.to, text: t("to" + this.reach) }),
        this.toInput,
        h("p", { id: ids.toHint, className: "otpd-hint", text: t("hint" + this.reach) })),
      this.captchaBox,
      this.startAlert,
      this.startButton);

    var length = s && s.code && s.code.length;
    var letters = !!(s && s.code && s.code.letters);
    var digits = !(s && s.code && s.code.digits === false);
    this.codeInput = h("input", {
      id: ids.code, name: "code", className: "otpd-input otpd-code", autocomplete: "one-time-code",
      inputmode: letters ? "text" : "numeric", autocapitalize: letters ? "characters" : "off", spellcheck: "false",
      "aria-describedby": ids.codeHint + " " + ids.codeAlert,
      placeholder: length ? "•".repeat(length) : null,
      oninput: function () { self.typed(); }
    });
    this.codeButton = h("button", { type: "submit", className: "otpd-button", text: t("verify") });
    this.lead = h("p", { className: "otpd-lead", role: "status" });
    this.codeForm = h("form", { className: "otpd-form", novalidate: true, onsubmit: function (e) { e.preventDefault(); self.check(); } },
      h("div", { className: "otpd-field" },
        h("label", { className: "otpd-label", for: ids.code, text: t("code") }),
        this.codeInput,
        length ? h("p", { id: ids.codeHint, className: "otpd-hint", text: t(!letters ? "codeDigits" : digits ? "codeChars" : "codeLetters", { length: length }) }) : null),
      this.codeButton);
    this.codeAlert = h("p", { id: ids.codeAlert, className: "otpd-alert", role: "alert" });
    this.channelsTitle = h("p", { id: ids.channels, className: "otpd-channels-title" });
    this.channelList = h("ul", { className: "otpd-channel-list" });
    this.announcer = h("p", { className: "otpd-sr", "aria-live": "polite" });
    this.startOverButton = h("button", { type: "button", className: "otpd-quiet", text: t("change" + this.reach), onclick: function () { self.backToStart(""); } });
    this.codeStep = h("div", { className: "otpd-code-step", hidden: true },
      this.lead,
      this.codeForm,
      this.codeAlert,
      h("div", { className: "otpd-channels", role: "group", "aria-labelledby": ids.channels }, this.channelsTitle, this.channelList),
      this.startOverButton);

    this.title = h("h" + this.headingLevel, { id: ids.title, className: "otpd-title", tabindex: "-1", text: t("title" + this.reach) });
    this.doneStep = h("p", { className: "otpd-done", role: "status", hidden: true });
    this.root.replaceChildren(h("section", { className: "otpd", "aria-labelledby": ids.title },
      project ? h("p", { className: "otpd-project", text: project }) : null,
      this.title,
      this.startStep,
      this.codeStep,
      this.doneStep,
      this.announcer));

    if (challenge) {
      this.renderCaptcha(challenge);
    }
    this.onVisible = function () {
      if (document.visibilityState === "visible") {
        self.refreshChannels();
      }
    };
    document.addEventListener("visibilitychange", this.onVisible);
    this.timers.push(setInterval(function () { self.tick(); }, 1000));
  };

  Flow.prototype.renderCaptcha = function (challenge) {
    var self = this, provider = challenge.provider, box = this.captchaBox;
    var known = CAPTCHAS[provider];
    if (!known) {
      this.alert(this.startAlert, this.t("captchaLoad"));
      return;
    }
    loadCaptcha(provider, this.captchaScript || known.script, this.lang).then(function (api) {
      if (self.destroyed) {
        return;
      }
      var opts = {
        sitekey: challenge.api_key,
        callback: function (token) { self.captchaToken = token; box.setAttribute("data-otpd-captcha", "solved"); },
        "expired-callback": function () { self.captchaToken = null; box.setAttribute("data-otpd-captcha", "pending"); },
        "error-callback": function () { self.captchaToken = null; box.setAttribute("data-otpd-captcha", "failed"); }
      };
      if (provider === "turnstile") {
        opts.action = "create"; // the action otpd checks on create
        opts.language = self.lang;
      }
      if (provider === "smartcaptcha") {
        opts.hl = self.lang;
      }
      var widget = api.render(box, opts);
      self.captcha = {
        reset: function () {
          self.captchaToken = null;
          box.setAttribute("data-otpd-captcha", "pending");
          api.reset(widget);
        },
        remove: function () {
          var remove = api.remove || api.destroy;
          if (typeof remove === "function") {
            remove.call(api, widget);
          }
        }
      };
    }, function () {
      if (!self.destroyed) {
        box.setAttribute("data-otpd-captcha", "failed");
        self.alert(self.startAlert, self.t("captchaLoad"));
      }
    });
  };

  Flow.prototype.alert = function (el, text) {
    el.textContent = text || "";
  };

  Flow.prototype.busy = function (button, on) {
    this.working = on;
    if (!button) {
      return;
    }
    if (on) {
      button.setAttribute("aria-busy", "true");
    } else {
      button.removeAttribute("aria-busy");
    }
  };

  Flow.prototype.showStart = function (message) {
    this.stopWebOTP();
    this.codeStep.hidden = true;
    this.doneStep.hidden = true;
    this.startStep.hidden = false;
    this.title.textContent = this.t("title" + this.reach);
    this.alert(this.startAlert, message);
    if (message) {
      this.toInput.setAttribute("aria-invalid", "true");
    }
    if (this.autofocus || this.stepped) {
      this.toInput.focus();
    }
  };

  Flow.prototype.backToStart = function (message) {
    this.session = null;
    this.until = {};
    this.stepped = true;
    this.showStart(message);
  };

  Flow.prototype.create = function () {
    var self = this, t = this.t.bind(this);
    if (this.working) {
      return;
    }
    var to = this.toInput.value.trim();
    if (!to) {
      this.toInput.setAttribute("aria-invalid", "true");
      this.alert(this.startAlert, t("needTo"));
      this.toInput.focus();
      return;
    }
    var headers = {};
    if (this.captchaBox) {
      if (!this.captchaToken) {
        this.alert(this.startAlert, t("needCaptcha"));
        return;
      }
      headers["x-challenge-token"] = this.captchaToken;
    }
    this.alert(this.startAlert, "");
    this.busy(this.startButton, true);
    this.api("POST", "/v2/create", { to: to, send: true }, headers).then(function (s) {
      self.session = { id: s.session_id, to: to };
      self.until = {};
      self.setChannels(s.channels);
      self.showCode(s.sent_to);
    }, function (err) {
      self.toInput.setAttribute("aria-invalid", String(err.sys === "ERROR_BAD_REQUEST" || err.sys === "ERROR_PROJECT_HAS_NO_CHANNEL"));
      self.alert(self.startAlert, err.message);
      self.toInput.focus();
    }).finally(function () {
      self.busy(self.startButton, false);
      // A CAPTCHA token is good for one request.
      if (self.captcha) {
        self.captcha.reset();
      }
    });
  };

  Flow.prototype.channelName = function (type) {
    var c = this.channels && this.channels.find(function (x) { return x.type === type; });
    return c ? c.name : type;
  };

  // showCode moves to the code step after a create.
  Flow.prototype.showCode = function (sentTo) {
    var t = this.t.bind(this);
    this.stepped = true;
    this.startStep.hidden = true;
    this.codeStep.hidden = false;
    this.codeInput.value = "";
    this.codeInput.removeAttribute("aria-invalid");
    this.codeInput.disabled = false;
    this.alert(this.codeAlert, "");
    this.startOverButton.textContent = t("change" + this.reach);
    var waiting = Object.keys(this.until).length > 0;
    if (sentTo) {
      this.sent(sentTo);
    } else if (waiting) {
      // The session was open already and its code is on its way.
      this.setLead(t("sentBefore", { to: this.session.to }), this.session.to);
      this.title.textContent = t("titleCode");
      this.codeForm.hidden = false;
      this.channelsTitle.textContent = t("resendTitle");
      this.codeInput.focus();
    } else {
      this.setLead(t("choose", { to: this.session.to }), this.session.to);
      this.title.textContent = t("titleChoose");
      this.codeForm.hidden = true;
      this.channelsTitle.textContent = t("channelsTitle");
      this.title.focus();
    }
  };

  Flow.prototype.setLead = function (text, strong) {
    this.lead.replaceChildren();
    var parts = text.split(strong || "\u0000");
    this.lead.append(parts[0]);
    if (strong && parts.length > 1) {
      this.lead.append(h("strong", { text: strong }), parts.slice(1).join(strong));
    }
  };

  // sent reflects a send on channel type: the lead, the code form, focus,
  // and WebOTP for an SMS.
  Flow.prototype.sent = function (type) {
    var t = this.t.bind(this);
    this.lastSent = type;
    this.setLead(t("sentBy", { channel: this.channelName(type), to: this.session.to }), this.session.to);
    this.title.textContent = t("titleCode");
    this.codeForm.hidden = false;
    this.channelsTitle.textContent = t("resendTitle");
    this.renderChannels();
    this.codeInput.focus();
    if (type === "sms") {
      this.startWebOTP();
    }
  };

  Flow.prototype.setChannels = function (list) {
    var self = this, now = performance.now();
    this.channels = Array.isArray(list) ? list : [];
    this.channels.forEach(function (c) {
      if (c.timeout > 0) {
        self.until[c.type] = now + c.timeout * 1000;
      } else {
        delete self.until[c.type];
      }
    });
    this.renderChannels();
  };

  Flow.prototype.updateChannel = function (c) {
    if (!c || !c.type) {
      return;
    }
    var i = this.channels.findIndex(function (x) { return x.type === c.type; });
    if (i >= 0) {
      this.channels[i] = c;
    } else {
      this.channels.push(c);
    }
    if (c.timeout > 0) {
      this.until[c.type] = performance.now() + c.timeout * 1000;
    }
    this.renderChannels();
  };

  Flow.prototype.secondsLeft = function (type) {
    var until = this.until[type];
    return until ? Math.ceil((until - performance.now()) / 1000) : 0;
  };

  Flow.prototype.renderChannels = function () {
    var self = this, t = this.t.bind(this);
    var focused = document.activeElement && document.activeElement.getAttribute("data-channel");
    this.channelList.replaceChildren.apply(this.channelList, this.channels.map(function (c) {
      var left = self.secondsLeft(c.type);
      var button = h("button", {
        type: "button", className: "otpd-channel", "data-channel": c.type,
        "aria-disabled": left > 0 ? "true" : null,
        onclick: function () { self.send(c.type); }
      },
      c.image_url ? h("img", { className: "otpd-channel-icon", src: c.image_url, alt: "", width: 28, height: 28 }) : null,
      h("span", { className: "otpd-channel-name", text: c.name }),
      c.type === self.lastSent ? h("span", { className: "otpd-channel-sent", text: t("sentMark") }) : null,
      h("span", { className: "otpd-wait", "data-wait": c.type, "aria-hidden": "true", text: left > 0 ? minutes(left) : "" }),
      left > 0 ? h("span", { className: "otpd-sr", "data-wait-label": c.type, text: t("waitFor", { channel: c.name, seconds: left }) }) : null);
      var link = !c.is_active && c.link
        ? h("a", { className: "otpd-link", href: c.link, target: "_blank", rel: "noopener noreferrer", text: t("connect", { channel: c.name }) })
        : null;
      return h("li", { className: "otpd-channel-item" }, button, link);
    }));
    if (focused) {
      var again = this.channelList.querySelector('[data-channel="' + focused + '"]');
      if (again) {
        again.focus();
      }
    }
  };

  // tick counts the channels' timeouts down, once a second.
  Flow.prototype.tick = function () {
    var self = this;
    if (!this.channels || this.codeStep.hidden) {
      return;
    }
    Object.keys(this.until).forEach(function (type) {
      var left = self.secondsLeft(type);
      var button = self.channelList.querySelector('[data-channel="' + type + '"]');
      if (left > 0) {
        var wait = self.channelList.querySelector('[data-wait="' + type + '"]');
        var label = self.channelList.querySelector('[data-wait-label="' + type + '"]');
        if (wait) {
          wait.textContent = minutes(left);
        }
        if (label) {
          label.textContent = self.t("waitFor", { channel: self.channelName(type), seconds: left });
        }
        return;
      }
      delete self.until[type];
      if (button) {
        self.renderChannels();
        self.announcer.textContent = self.t("readyAgain", { channel: self.channelName(type) });
      }
    });
  };

  Flow.prototype.send = function (type) {
    var self = this;
    if (this.working || !this.session || this.secondsLeft(type) > 0) {
      return;
    }
    this.alert(this.codeAlert, "");
    var button = this.channelList.querySelector('[data-channel="' + type + '"]');
    this.busy(button, true);
    this.api("POST", "/v2/send", { session_id: this.session.id, type: type }).then(function (r) {
      self.updateChannel(r.channel);
      self.sent(type);
    }, function (err) {
      self.failed(err, function () {
        if (err.sys === "ERROR_MESSAGE_ATTEMPT" && err.data.timeout > 0) {
          self.until[type] = performance.now() + err.data.timeout * 1000;
          self.renderChannels();
        }
      });
    }).finally(function () {
      self.busy(button, false);
    });
  };

  // failed shows an error of the code step; an ended session goes back to
  // the start, where a new one can be opened.
  Flow.prototype.failed = function (err, then) {
    if (err.sys === "ERROR_SESSION_EXPIRED") {
      this.backToStart(err.message);
      return;
    }
    this.alert(this.codeAlert, err.message);
    if (then) {
      then();
    }
  };

  Flow.prototype.typed = function () {
    // A person typing (or pasting) replaces whatever WebOTP would fill in.
    this.stopWebOTP();
    this.codeInput.removeAttribute("aria-invalid");
    var length = this.settings && this.settings.code && this.settings.code.length;
    if (length && this.normalized().length === length) {
      this.check();
    }
  };

  Flow.prototype.normalized = function () {
    return this.codeInput.value.replace(/[\s-]/g, "");
  };

  Flow.prototype.check = function () {
    var self = this, t = this.t.bind(this);
    if (this.working || !this.session) {
      return;
    }
    var code = this.normalized();
    if (!code) {
      this.codeInput.setAttribute("aria-invalid", "true");
      this.alert(this.codeAlert, t("needCode"));
      this.codeInput.focus();
      return;
    }
    this.alert(this.codeAlert, "");
    this.busy(this.codeButton, true);
    this.api("POST", "/v2/check", { session_id: this.session.id, code: code }).then(function (r) {
      self.done(r.verify_token);
    }, function (err) {
      self.busy(self.codeButton, false);
      if (err.sys === "ERROR_SESSION_EXPIRED") {
        self.failed(err);
        return;
      }
      var text = err.message;
      if (err.sys === "ERROR_MESSAGE_WRONG_CODE" && typeof err.data.attempts_left === "number") {
        text += " " + t("attemptsLeft", { n: err.data.attempts_left });
      }
      self.codeInput.setAttribute("aria-invalid", "true");
      self.alert(self.codeAlert, text);
      if (err.sys === "ERROR_BLOCKED") {
        // The session takes no more codes: only a new one can go on.
        self.stopWebOTP();
        self.codeInput.disabled = true;
        self.startOverButton.textContent = t("startOver");
        self.startOverButton.focus();
        return;
      }
      self.codeInput.focus();
      self.codeInput.select();
    });
  };

  Flow.prototype.done = function (token) {
    this.stopWebOTP();
    this.session = null;
    this.startStep.hidden = true;
    this.codeStep.hidden = true;
    this.doneStep.hidden = false;
    this.title.textContent = this.t("title" + this.reach);
    this.doneStep.textContent = this.t("verified");
    this.working = false;
    try {
      this.onVerified(token);
    } catch (e) {
      setTimeout(function () { throw e; }); // the site's error, reported as its own
    }
  };

  Flow.prototype.refreshChannels = function () {
    var self = this;
    if (!this.session || this.codeStep.hidden) {
      return;
    }
    this.api("GET", "/v2/channels?session_id=" + encodeURIComponent(this.session.id)).then(function (list) {
      if (self.session && Array.isArray(list)) {
        self.setChannels(list);
      }
    }, function (err) {
      if (err.sys === "ERROR_SESSION_EXPIRED") {
        self.failed(err);
      }
    });
  };

  // startWebOTP asks the browser for the code of an incoming SMS (WebOTP:
  // Chrome on Android reads a message whose last line is "@host #code").
  Flow.prototype.startWebOTP = function () {
    var self = this;
    if (!("OTPCredential" in window) || !navigator.credentials) {
      return;
    }
    this.stopWebOTP();
    var abort = new AbortController();
    this.webOTP = abort;
    navigator.credentials.get({ otp: { transport: ["sms"] }, signal: abort.signal }).then(function (cred) {
      if (self.webOTP !== abort || !cred || !cred.code) {
        return;
      }
      self.webOTP = null;
      self.codeInput.value = cred.code;
      self.check();
    }, function () {});
  };

  Flow.prototype.stopWebOTP = function () {
    if (this.webOTP) {
      this.webOTP.abort();
      this.webOTP = null;
    }
  };

  Flow.prototype.destroy = function () {
    this.destroyed = true;
    this.stopWebOTP();
    this.timers.forEach(clearInterval);
    if (this.onVisible) {
      document.removeEventListener("visibilitychange", this.onVisible);
    }
    if (this.captcha) {
      this.captcha.remove();
    }
    this.root.replaceChildren();
  };

  function ensureStyles(base) {
    if (document.querySelector("link[data-otpd-css]")) {
      return;
    }
    document.head.append(h("link", { rel: "stylesheet", href: base + "/static/otpd.css", "data-otpd-css": true }));
  }

  // flows are the flows running, by element: mounting again on an element
  // replaces its flow (and stops the old one's timers).
  var flows = new WeakMap();

  // mount runs the flow inside element.
  function mount(element, options) {
    var o = options || {};
    if (!element || element.nodeType !== 1) {
      throw new TypeError("otpd.mount: element must be a DOM element");
    }
    if (!o.publicKey) {
      throw new TypeError("otpd.mount: publicKey is required");
    }
    if (typeof o.onVerified !== "function") {
      throw new TypeError("otpd.mount: onVerified(token) is required");
    }
    if (flows.has(element)) {
      flows.get(element).destroy();
    }
    var flow = new Flow(element, o);
    flows.set(element, flow);
    if (o.styles !== false) {
      ensureStyles(flow.base);
    }
    flow.start();
    return {
      destroy: function () {
        if (flows.get(element) === flow) {
          flows.delete(element);
        }
        flow.destroy();
      }
    };
  }

  window.otpd = { mount: mount };

  // The hosted page: its settings are in data attributes (it allows no
  // inline script), and a verified person goes back to the return URL.
  function mountHosted() {
    document.querySelectorAll("[data-otpd-hosted]").forEach(function (el) {
      var d = el.dataset;
      mount(el, {
        publicKey: d.publicKey, baseUrl: location.origin, lang: d.lang, locale: d.locale,
        captchaScript: d.captchaScript, headingLevel: 1, autofocus: true, styles: false,
        onVerified: function (token) {
          // replace: going back must not land on a finished flow.
          location.replace(d.returnTo + encodeURIComponent(token));
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountHosted);
  } else {
    mountHosted();
  }
})();
